import { sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { rowsOf } from '@/lib/audit/sink';
import { fromDbText } from '@/lib/db/text';
import { sessionRef } from '@/lib/session-ref';
import type { HeldState, Replay, Seed } from '@/lib/conversation/types';
import type { ConversationState, HandoffReason } from '@/lib/db/schema';
import { INITIAL_STATE } from '@/lib/handoff/machine';
import { withTimeout } from '@/lib/timeout';

export interface DurableFacts {
  /** Whether the audit has any turn of this conversation. */
  known: boolean;
  seed: Seed;
  /** The stored answer to this messageId, when it was answered before. */
  replay: Replay | null;
  /** Who answered the conversation last, as the audit knows it (absent: the assistant, never changed). */
  state?: HeldState;
}

/**
 * What the durable record knows about a conversation. Asked only when memory cannot tell: its turn
 * counter is missing (memory was lost, or the id is older than the counter) or memory is down.
 */
export interface DurableRecord {
  /** Throws when Postgres cannot be reached. */
  lookup(sessionId: string, messageId: string | null): Promise<DurableFacts>;
}

export class PostgresDurableRecord implements DurableRecord {
  constructor(
    private readonly database: () => Promise<Database>,
    /** A customer is waiting: a slow database counts as unreachable. */
    private readonly timeoutMs = 2000,
  ) {}

  lookup(sessionId: string, messageId: string | null): Promise<DurableFacts> {
    return withTimeout(this.query(sessionId, messageId), this.timeoutMs, 'the durable lookup');
  }

  private async query(sessionId: string, messageId: string | null): Promise<DurableFacts> {
    const db = await this.database();
    const [row] = rowsOf<{ turns: number; seq: number; kept: number; replay_id: string | null; replay_text: string | null }>(
      await db.execute(sql`
        select count(*)::int as turns, coalesce(max(seq), 0)::int as seq,
               count(*) filter (where status in ('ok', 'aborted') and assistant_text is not null)::int as kept,
               (array_agg(audit_id::text) filter (where message_id = ${messageId} and status = 'ok'))[1] as replay_id,
               (array_agg(assistant_text) filter (where message_id = ${messageId} and status = 'ok'))[1] as replay_text
        from turns where session_id = ${sessionRef(sessionId)}`),
    );
    const [held] = rowsOf<{
      state: ConversationState;
      state_version: number;
      state_owner_id: string | null;
      state_owner_name: string | null;
      state_since: string | null;
      state_reason: HandoffReason | null;
    }>(
      await db.execute(sql`
        select state, state_version, state_owner_id::text, state_owner_name, state_since::text, state_reason
        from sessions where id = ${sessionRef(sessionId)}`),
    );
    const turns = row?.turns ?? 0;
    return {
      state: held
        ? {
            eventSeq: held.state_version,
            snapshot: {
              state: held.state,
              owner: held.state === 'agent' && held.state_owner_id ? { id: held.state_owner_id, name: fromDbText(held.state_owner_name ?? '') } : null,
              since: held.state_since ? new Date(held.state_since).toISOString() : '',
              reason: held.state_reason,
            },
          }
        : { eventSeq: 0, snapshot: INITIAL_STATE },
      known: turns > 0,
      seed: { seq: row?.seq ?? 0, kept: row?.kept ?? 0 },
      replay: row?.replay_id && row.replay_text !== null ? { auditId: row.replay_id, reply: fromDbText(row.replay_text) } : null,
    };
  }
}
