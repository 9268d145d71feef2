import { sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { rowsOf } from '@/lib/audit/sink';

export interface LeaseChecker {
  /** Which of these turns still hold their conversation's lease, i.e. are still running somewhere. */
  leasesHeld(turns: { sessionId: string; auditId: string }[]): Promise<Set<string>>;
}

/**
 * A turn that began but never finished (its server crashed mid-turn) would stay `pending` forever.
 * Once it is older than any running turn can be without renewing its lease, and its lease is not
 * held, it becomes `abandoned`. A final entry arriving later still completes it.
 */
export async function abandonUnfinished(
  db: Database,
  leases: LeaseChecker,
  options: { olderThanMs: number; limit: number; now?: Date },
): Promise<number> {
  const cutoff = new Date((options.now ?? new Date()).getTime() - options.olderThanMs).toISOString();
  const candidates = rowsOf<{ audit_id: string; session_id: string }>(
    await db.execute(sql`
      select audit_id, session_id from turns
      where status = 'pending' and created_at < ${cutoff}::timestamptz
      order by created_at limit ${options.limit}`),
  );
  if (candidates.length === 0) return 0;
  const held = await leases.leasesHeld(candidates.map((c) => ({ sessionId: c.session_id, auditId: c.audit_id })));
  const ids = candidates.filter((c) => !held.has(c.audit_id)).map((c) => c.audit_id);
  if (ids.length === 0) return 0;
  const [result] = rowsOf<{ n: number }>(
    await db.execute(sql`
      with done as (
        update turns set status = 'abandoned', error_code = 'turn_abandoned', completed_at = now()
        where audit_id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::uuid) and status = 'pending'
        returning 1
      )
      -- Not a model error: sessions.error_count stays (the console counts unfinished turns on their own).
      select count(*)::int as n from done`),
  );
  return result?.n ?? 0;
}
