import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { AdminOnly } from '@/components/admin/AdminShell';
import { Badge } from '@/components/admin/Badge';
import { LocalTime } from '@/components/admin/LocalTime';
import { plural } from '@/components/admin/format';
import { logAccess } from '@/lib/auth/access-log';
import { logRefusedPage } from '@/lib/auth/page-guard';
import { getDataset, listDatasetItems } from '@/lib/review/datasets';
import { getRuntime } from '@/lib/runtime';
import { requirePageAgent } from '@/lib/runtime/auth';

export const metadata: Metadata = { title: 'Dataset' };
export const dynamic = 'force-dynamic';

const PAGE = 100;
const LINK = 'font-medium text-blue-700 hover:underline dark:text-blue-400';

type SearchParams = Record<string, string | string[] | undefined>;

/** One dataset version's items, as they are exported (100 a page). */
export default async function DatasetPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<SearchParams> }) {
  const { id } = await params;
  const agent = await requirePageAgent(`/admin/datasets/${encodeURIComponent(id)}`);
  if (agent.role !== 'admin') {
    logRefusedPage(agent, '/admin/datasets/[id]');
    return <AdminOnly />;
  }
  if (!z.uuid().safeParse(id).success) notFound();
  const after = z.coerce.number().int().min(0).catch(0).parse((await searchParams).after ?? 0);
  const db = (await getRuntime().database()).db;
  const dataset = await getDataset(db, id);
  if (!dataset) notFound();
  const items = await listDatasetItems(db, id, after, PAGE);
  // The items are customers' messages: who read them is on record, like a transcript.
  await logAccess(db, agent, 'view_dataset', { detail: { datasetId: id, name: dataset.name, version: dataset.version, after } });
  const refused = Array.isArray(dataset.selection.refused) ? (dataset.selection.refused as string[]) : [];
  const last = items.at(-1)?.position;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <p className="text-sm">
            <a href="/admin/datasets" className={LINK}>
              Datasets
            </a>
          </p>
          <h1 className="text-xl font-semibold break-all">
            {dataset.name} v{dataset.version}
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            {plural(dataset.itemCount, 'item')} · made <LocalTime value={dataset.createdAt} />
            {dataset.createdByName ? ` by ${dataset.createdByName}` : ''}
            {dataset.redacted ? ' · personal data masked' : ''}
          </p>
          {refused.length > 0 && (
            <p className="text-sm text-amber-800 dark:text-amber-200">
              {plural(refused.length, 'turn')} left out: the stored prompt no longer matched its hash ({refused.join(', ')}).
            </p>
          )}
        </div>
        <div className="flex flex-wrap gap-3 text-sm">
          <a href={`/api/admin/datasets/${dataset.id}/export`} download className={LINK}>
            Export JSONL
          </a>
          <a href={`/admin/replays?datasetId=${dataset.id}`} className={LINK}>
            Replay this dataset
          </a>
        </div>
      </div>
      <ol aria-label="Items" className="space-y-3">
        {items.map(({ position, record }) => (
          <li key={position} aria-label={`Item ${position}`} className="space-y-2 rounded-lg border border-slate-200 bg-white p-3 text-sm dark:border-slate-800 dark:bg-slate-900">
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-semibold">#{position}</span>
              <span className="font-mono text-xs break-all text-slate-600 dark:text-slate-400">{record.metadata.audit_id}</span>
              <Badge tone="good" title={`SHA-256 ${record.metadata.prompt_sha256}`}>
                prompt verified
              </Badge>
              <span className="text-xs text-slate-600 dark:text-slate-400">
                {record.metadata.model} · <LocalTime value={record.metadata.created_at} />
              </span>
            </div>
            <details>
              <summary className="cursor-pointer text-slate-700 dark:text-slate-300">{plural(record.input.length, 'message')} sent to the model</summary>
              <ol className="mt-2 space-y-1">
                {record.input.map((message, index) => (
                  <li key={index} className="rounded bg-slate-50 p-2 dark:bg-slate-950">
                    <span className="font-mono text-xs text-slate-600 dark:text-slate-400">[{message.role}]</span>
                    <p className="break-words whitespace-pre-wrap">{message.content}</p>
                  </li>
                ))}
              </ol>
            </details>
            <div className="grid gap-2 md:grid-cols-2">
              <div>
                <h3 className="text-xs font-semibold text-slate-600 uppercase dark:text-slate-400">Reply</h3>
                <p className="break-words whitespace-pre-wrap">{record.metadata.reply}</p>
              </div>
              <div>
                <h3 className="text-xs font-semibold text-slate-600 uppercase dark:text-slate-400">Correction</h3>
                {record.metadata.correction ? (
                  <p className="break-words whitespace-pre-wrap">{record.metadata.correction.text}</p>
                ) : (
                  <p className="text-slate-600 italic dark:text-slate-400">None</p>
                )}
              </div>
            </div>
            {record.metadata.scores.length > 0 && (
              <ul aria-label="Scores" className="flex flex-wrap gap-2">
                {record.metadata.scores.map((s) => (
                  <li key={`${s.criterion}-${s.version}-${s.reviewer}`}>
                    <Badge>
                      {s.label} v{s.version}: {s.value} ({s.reviewer})
                    </Badge>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
      {items.length === PAGE && last !== undefined && (
        <a href={`/admin/datasets/${dataset.id}?after=${last}`} className={LINK}>
          Next {PAGE} items
        </a>
      )}
    </div>
  );
}
