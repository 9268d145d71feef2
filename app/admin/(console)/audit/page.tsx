import type { Metadata } from 'next';
import { AdminOnly } from '@/components/admin/AdminShell';
import { formatTime } from '@/components/admin/format';
import { logAccess } from '@/lib/auth/access-log';
import { requirePageAgent } from '@/lib/runtime/auth';
import { getRuntime } from '@/lib/runtime';

export const metadata: Metadata = { title: 'Audit health' };
export const dynamic = 'force-dynamic';

/**
 * Admins only: whether the audit trail is keeping up (entries still on their way to Postgres) and the
 * entries it could not apply, with the reason, kept instead of dropped. Entries name conversations by
 * reference only (lib/audit/dead-letters.ts); each view is in the access log.
 */
export default async function AuditHealthPage() {
  const agent = await requirePageAgent('/admin/audit');
  if (agent.role !== 'admin') return <AdminOnly />;
  const runtime = getRuntime();
  const [report, deadLetters, openCount] = await Promise.all([
    runtime.drainer.backlog().catch(() => null),
    runtime.deadLetters.listOpen(50),
    runtime.deadLetters.countOpen(),
  ]);
  // Dead letters hold customer text (session ids already replaced by references): a view is logged.
  await logAccess((await runtime.database()).db, agent, 'view_audit', { detail: { deadLetters: openCount, shown: deadLetters.length } });
  return (
    <div className="space-y-5">
      <div>
        <h1 className="text-xl font-semibold">Audit health</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Every turn reaches the audit through a queue; this page shows what is still on its way and what could not be applied.
        </p>
      </div>
      <dl className="grid max-w-xl grid-cols-2 gap-3">
        <div className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
          <dt className="text-xs font-medium text-slate-600 uppercase dark:text-slate-400">Waiting for Postgres</dt>
          <dd className="mt-1 text-2xl font-semibold" data-testid="audit-backlog">
            {report === null ? 'unknown' : report}
          </dd>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
          <dt className="text-xs font-medium text-slate-600 uppercase dark:text-slate-400">Dead letters</dt>
          <dd className="mt-1 text-2xl font-semibold" data-testid="audit-dead-letters">
            {openCount}
          </dd>
        </div>
      </dl>
      <section aria-labelledby="dead-letters" className="rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <h2 id="dead-letters" className="border-b border-slate-200 px-4 py-2 text-sm font-semibold dark:border-slate-800">
          Entries the audit could not apply
        </h2>
        {deadLetters.length === 0 ? (
          <p className="p-6 text-center text-sm text-slate-600 dark:text-slate-400">None: every entry was applied.</p>
        ) : (
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {deadLetters.map((item) => (
              <li key={item.id} className="space-y-1 px-4 py-3 text-sm">
                <p>
                  <span className="font-medium">{formatTime(item.at)}</span> · {item.source} · {item.reason}
                </p>
                <pre className="max-h-40 overflow-auto rounded bg-slate-50 p-2 text-xs whitespace-pre-wrap break-all dark:bg-slate-950">{item.payload}</pre>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
