import 'server-only';
import type { AuditDrainer } from '@/lib/audit/drainer';
import { type EdgeServices, endpointFor } from '@/lib/http/endpoint';

const endpoint = endpointFor<EdgeServices & { drainer: Pick<AuditDrainer, 'drainUntilEmpty'> }>();

/**
 * GET /api/cron/audit-drain: on serverless, where no drain loop runs between requests, Vercel Cron
 * (vercel.json; daily on the Hobby plan, every minute on Pro) calls it with `Authorization: Bearer $CRON_SECRET` to move the audit
 * stream to Postgres and abandon turns that never finished. 503 when it could not drain.
 */
export const handleDrainCron = endpoint(
  { auth: { kind: 'cron', unset: 'The drain route runs only when CRON_SECRET is set.' } },
  async ({ runtime }) => {
    const report = await runtime.drainer.drainUntilEmpty(10);
    const failed = report.blocked !== null && report.blocked.reason !== 'locked';
    return Response.json(report, { status: failed ? 503 : 200, headers: { 'cache-control': 'no-store' } });
  },
);
