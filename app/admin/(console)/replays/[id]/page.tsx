import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { AdminOnly } from '@/components/admin/AdminShell';
import { LocalTime } from '@/components/admin/LocalTime';
import { ReplayLive } from '@/components/admin/ReplayLive';
import { logAccess } from '@/lib/auth/access-log';
import { logRefusedPage } from '@/lib/auth/page-guard';
import { getReplay } from '@/lib/review/replay/runs';
import { getRuntime } from '@/lib/runtime';
import { requirePageAgent } from '@/lib/runtime/auth';

export const metadata: Metadata = { title: 'Replay' };
export const dynamic = 'force-dynamic';

const LINK = 'font-medium text-blue-700 hover:underline dark:text-blue-400';

/** One replay: live progress, Cancel, and each item's original reply, correction and candidate side by side. */
export default async function ReplayPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const agent = await requirePageAgent(`/admin/replays/${encodeURIComponent(id)}`);
  if (agent.role !== 'admin') {
    logRefusedPage(agent, '/admin/replays/[id]');
    return <AdminOnly />;
  }
  if (!z.uuid().safeParse(id).success) notFound();
  const db = (await getRuntime().database()).db;
  const replay = await getReplay(db, id);
  if (!replay) notFound();
  await logAccess(db, agent, 'view_replay', { detail: { replayId: id, results: replay.results.length } });
  const { run } = replay;
  return (
    <div className="space-y-5">
      <div>
        <p className="text-sm">
          <a href="/admin/replays" className={LINK}>
            Replays
          </a>
        </p>
        <h1 className="text-xl font-semibold break-words">
          Replay of {run.datasetName ? `${run.datasetName} v${run.datasetVersion}` : 'one turn'}
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Started <LocalTime value={run.createdAt} />
          {run.createdByName ? ` by ${run.createdByName}` : ''} · {run.systemPrompt === null ? "each turn's recorded system prompt" : 'a changed system prompt'}
        </p>
      </div>
      {run.systemPrompt !== null && (
        <details className="rounded-lg border border-slate-200 bg-white p-3 text-sm dark:border-slate-800 dark:bg-slate-900">
          <summary className="cursor-pointer font-medium">Candidate system prompt</summary>
          <pre className="mt-2 font-mono text-xs break-words whitespace-pre-wrap">{run.systemPrompt}</pre>
        </details>
      )}
      <ReplayLive initial={replay} />
    </div>
  );
}
