import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { rowsOf } from '@/lib/audit/sink';
import type { Database } from '@/lib/db/client';
import type { Actor, HandoffAction } from '@/lib/handoff/machine';

/** The conversation store's state change, as this needs it (lib/conversation/store.ts). */
export interface StateChanger {
  changeState(change: { sessionId: string; action: HandoffAction; actor: Actor; auditId: string; now: Date }): Promise<{ kind: string }>;
}

/**
 * Conversations whose agent went silent go back to the queue. Checked when it matters, never on a
 * timer (an idle deployment makes no requests): when the customer writes (lib/chat/turn.ts reads the
 * agent's last action with the turn's begin) and when an agent opens the inbox (here, from the audit).
 */
export async function releaseSilentConversations(
  db: Database,
  memory: StateChanger,
  silenceMs: number,
  now = new Date(),
): Promise<number> {
  const stale = rowsOf<{ id: string }>(
    await db.execute(sql`
      select s.id from sessions s
      where s.state = 'agent'
        and greatest(s.state_since, coalesce((select max(e.created_at) from conversation_events e
              where e.session_id = s.id and e.kind = 'agent_message'), s.state_since))
            < ${new Date(now.getTime() - silenceMs).toISOString()}::timestamptz
      limit 100`),
  );
  let released = 0;
  for (const { id } of stale) {
    // The reference names the conversation in memory as well as in the audit.
    const outcome = await memory.changeState({
      sessionId: id,
      action: { kind: 'release_silent' },
      actor: { kind: 'system' },
      auditId: uuidv7(),
      now,
    });
    if (outcome.kind === 'changed') released += 1;
  }
  return released;
}
