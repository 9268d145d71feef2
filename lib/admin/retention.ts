import type { Database } from '@/lib/db/client';
import type { AgentIdentity } from '@/lib/auth/identity';
import { deleteAuditOlderThan, retentionCutoff, type RetentionReport } from '@/lib/audit/retention';
import { logAccess } from '@/lib/auth/access-log';

/**
 * An admin's "run retention now": the same deletion as the daily cron (lib/audit/retention.ts), with
 * the admin who ran it in the access log. Flags and notes on deleted turns and sessions go with them.
 */
export async function runRetention(db: Database, agent: AgentIdentity, retentionDays: number, now = new Date()): Promise<RetentionReport> {
  const report = await deleteAuditOlderThan(db, retentionCutoff(retentionDays, now));
  await logAccess(db, agent, 'retention_run', { detail: { retentionDays, ...report } });
  return report;
}
