import { sql } from 'drizzle-orm';
import { rowsOf } from '@/lib/audit/sink';
import type { Database } from '@/lib/db/client';

/**
 * Whether anyone from the support team is there to answer: an agent is online while a console of
 * theirs is open. Every signed-in request refreshes the admin session's `last_seen_at` at most once
 * a minute, and an open console polls every few seconds, so a session seen within ONLINE_WITHIN_MS
 * is a console still open. No heartbeat of its own, no key to keep: the admin sessions already are one.
 */
export const ONLINE_WITHIN_MS = 2 * 60_000;

export interface Presence {
  /** How many agents (enabled, signed in) have a console open now. */
  agentsOnline(): Promise<number>;
}

export function postgresPresence(database: () => Promise<Database>): Presence {
  return {
    async agentsOnline() {
      const db = await database();
      const [row] = rowsOf<{ online: number }>(
        await db.execute(sql`
          select count(distinct s.agent_id)::int as online
          from admin_sessions s join agents a on a.id = s.agent_id
          where s.revoked_at is null and a.disabled_at is null
            and s.last_seen_at > now() - make_interval(secs => ${ONLINE_WITHIN_MS / 1000})`),
      );
      return row?.online ?? 0;
    },
  };
}
