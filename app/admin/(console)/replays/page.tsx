import type { Metadata } from 'next';
import { z } from 'zod';
import { AdminOnly } from '@/components/admin/AdminShell';
import { Badge } from '@/components/admin/Badge';
import { LocalTime } from '@/components/admin/LocalTime';
import { ReplayForm } from '@/components/admin/ReplayForm';
import { formatUsd, replayState } from '@/components/admin/replay-format';
import { firstValues } from '@/lib/admin/filters';
import { logRefusedPage, pathWithQuery } from '@/lib/auth/page-guard';
import { listDatasets } from '@/lib/review/datasets';
import { listReplays } from '@/lib/review/replay/runs';
import { getRuntime } from '@/lib/runtime';
import { requirePageAgent } from '@/lib/runtime/auth';

export const metadata: Metadata = { title: 'Replays' };
export const dynamic = 'force-dynamic';

const LINK = 'font-medium text-blue-700 hover:underline dark:text-blue-400';

type SearchParams = Record<string, string | string[] | undefined>;

/** Replays of recorded turns against a candidate prompt or model (admins): start one, and the runs so far. */
export default async function ReplaysPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const raw = await searchParams;
  const agent = await requirePageAgent(pathWithQuery('/admin/replays', raw));
  if (agent.role !== 'admin') {
    logRefusedPage(agent, '/admin/replays');
    return <AdminOnly />;
  }
  const params = firstValues(raw);
  const auditId = z.uuid().safeParse(params.auditId).data ?? null;
  const preferred = z.uuid().safeParse(params.datasetId).data ?? null;
  const runtime = getRuntime();
  const db = (await runtime.database()).db;
  const [datasets, runs] = await Promise.all([listDatasets(db), listReplays(db)]);
  // The dataset the page was opened for goes first, so the form starts with it.
  const ordered = [...datasets].sort((a, b) => Number(b.id === preferred) - Number(a.id === preferred));
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold">Replays</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Run real customer turns again, exactly as they were sent, with another system prompt or model, and compare. Nothing is written to a
          conversation, its memory or the audit trail.
        </p>
      </div>
      <ReplayForm
        datasets={ordered.map((d) => ({ id: d.id, name: d.name, version: d.version, itemCount: d.itemCount }))}
        endpoints={runtime.replays.models.options()}
        systemPrompt={runtime.config.prompt.systemPrompt}
        auditId={auditId}
        pricedModels={Object.keys(runtime.config.admin.modelPrices)}
      />
      <section aria-labelledby="runs-title" className="space-y-2">
        <h2 id="runs-title" className="font-semibold">
          Runs
        </h2>
        {runs.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No replay yet.</p>
        ) : (
          <div className="relative overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
            <table aria-labelledby="runs-title" className="w-full text-left text-sm">
              <thead className="bg-slate-50 text-xs text-slate-600 uppercase dark:bg-slate-900 dark:text-slate-400">
                <tr>
                  <th scope="col" className="px-3 py-2">Started</th>
                  <th scope="col" className="px-3 py-2">Replayed</th>
                  <th scope="col" className="px-3 py-2">Candidate</th>
                  <th scope="col" className="px-3 py-2">State</th>
                  <th scope="col" className="px-3 py-2">Progress</th>
                  <th scope="col" className="px-3 py-2">Cost</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-200 bg-white dark:divide-slate-800 dark:bg-slate-950">
                {runs.map((run) => {
                  const state = replayState(run.state);
                  return (
                    <tr key={run.id} data-replay={run.id}>
                      <td className="px-3 py-2 whitespace-nowrap">
                        <a href={`/admin/replays/${run.id}`} className={LINK} aria-label={`Open replay of ${run.datasetName ? `${run.datasetName} v${run.datasetVersion}` : 'one turn'}`}>
                          <LocalTime value={run.createdAt} />
                        </a>
                      </td>
                      <td className="px-3 py-2">{run.datasetName ? `${run.datasetName} v${run.datasetVersion}` : <span className="font-mono text-xs break-all">{run.auditId}</span>}</td>
                      <td className="px-3 py-2">
                        {run.endpoint} · {run.model}
                        <span className="block text-xs text-slate-600 dark:text-slate-400">{run.systemPrompt === null ? 'recorded prompts' : 'changed prompt'}</span>
                      </td>
                      <td className="px-3 py-2">
                        <Badge tone={state.tone}>{state.label}</Badge>
                      </td>
                      <td className="px-3 py-2 font-mono whitespace-nowrap">
                        {run.completed + run.failed} / {run.total}
                      </td>
                      <td className="px-3 py-2 font-mono">{formatUsd(run.costUsd)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
