import type { Metadata } from 'next';
import { AdminOnly } from '@/components/admin/AdminShell';
import { Badge } from '@/components/admin/Badge';
import { DatasetForm } from '@/components/admin/DatasetForm';
import { LocalTime } from '@/components/admin/LocalTime';
import { logRefusedPage } from '@/lib/auth/page-guard';
import { currentCriteria, listDatasets } from '@/lib/review/datasets';
import { getRuntime } from '@/lib/runtime';
import { requirePageAgent } from '@/lib/runtime/auth';

export const metadata: Metadata = { title: 'Datasets' };
export const dynamic = 'force-dynamic';

const LINK = 'font-medium text-blue-700 hover:underline dark:text-blue-400';

/** Versioned datasets of reviewed replies (admins): every version, its items, and its JSONL export. */
export default async function DatasetsPage() {
  const agent = await requirePageAgent('/admin/datasets');
  if (agent.role !== 'admin') {
    logRefusedPage(agent, '/admin/datasets');
    return <AdminOnly />;
  }
  const db = (await getRuntime().database()).db;
  const [datasets, criteria] = await Promise.all([listDatasets(db), currentCriteria(db)]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold">Datasets</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Reviewed replies with the exact messages the model was sent (hash-verified), the correction and the scores, as JSONL for
          eval tools. A version never changes once made.
        </p>
      </div>
      <DatasetForm criteria={criteria} />
      <section aria-labelledby="datasets-title" className="space-y-2">
        <h2 id="datasets-title" className="font-semibold">
          Versions
        </h2>
        {datasets.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No dataset yet.</p>
        ) : (
          <div className="relative overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
            <table aria-labelledby="datasets-title" className="w-full text-left text-sm">
              <thead className="bg-slate-50 text-xs text-slate-600 uppercase dark:bg-slate-900 dark:text-slate-400">
                <tr>
                  <th scope="col" className="px-3 py-2">Name</th>
                  <th scope="col" className="px-3 py-2">Version</th>
                  <th scope="col" className="px-3 py-2">Items</th>
                  <th scope="col" className="px-3 py-2">Created</th>
                  <th scope="col" className="px-3 py-2">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-200 bg-white dark:divide-slate-800 dark:bg-slate-950">
                {datasets.map((d) => (
                  <tr key={d.id} data-dataset={`${d.name} v${d.version}`}>
                    <td className="px-3 py-2">
                      <a href={`/admin/datasets/${d.id}`} className={LINK}>
                        {d.name}
                      </a>
                      {d.redacted && (
                        <span className="ml-2">
                          <Badge tone="info">masked</Badge>
                        </span>
                      )}
                      {d.description && <p className="text-xs text-slate-600 dark:text-slate-400">{d.description}</p>}
                    </td>
                    <td className="px-3 py-2 font-mono">v{d.version}</td>
                    <td className="px-3 py-2 font-mono">{d.itemCount}</td>
                    <td className="px-3 py-2 whitespace-nowrap">
                      <LocalTime value={d.createdAt} />
                      {d.createdByName && <span className="block text-xs text-slate-600 dark:text-slate-400">by {d.createdByName}</span>}
                    </td>
                    <td className="px-3 py-2 whitespace-nowrap">
                      <a href={`/api/admin/datasets/${d.id}/export`} download className={LINK} aria-label={`Export JSONL: ${d.name} v${d.version}`}>
                        Export JSONL
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
