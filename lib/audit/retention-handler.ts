import 'server-only';
import { deleteAuditOlderThan, retentionCutoff } from '@/lib/audit/retention';
import { endpoint } from '@/lib/http/endpoint';
import { log } from '@/lib/observability/log';

/** GET /api/cron/retention: Vercel Cron (vercel.json) calls it daily with `Authorization: Bearer $CRON_SECRET`. */
export const handleRetentionCron = endpoint(
  { auth: { kind: 'cron', unset: 'Retention runs only when CRON_SECRET is set.' } },
  async ({ runtime }) => {
    const { retentionDays } = runtime.config.audit;
    if (retentionDays === undefined) {
      return Response.json({ skipped: true, reason: 'AUDIT_RETENTION_DAYS is not set: audit data is kept.' });
    }
    const { db } = await runtime.database();
    const report = await deleteAuditOlderThan(db, retentionCutoff(retentionDays));
    log.info('retention ran', { turns: report.turns, sessions: report.sessions, cutoff: report.cutoff });
    return Response.json({ skipped: false, ...report });
  },
);
