import { eq } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { sessions } from '@/lib/db/schema';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { MemoryStore } from '@/lib/conversation/types';
import { logAccess } from '@/lib/auth/access-log';
import { sessionRef } from '@/lib/session-ref';
import { errorFields, log } from '@/lib/observability/log';

export type DeleteOutcome =
  | { kind: 'deleted'; turns: number }
  | { kind: 'not_found' }
  /** Redis could not be reached: nothing was deleted, so a retry can finish the job. */
  | { kind: 'memory_unavailable' };

/**
 * Deletes a session for good: its Redis memory first (if that fails nothing else is touched), then
 * the session row, which cascades to its turns, flags and notes, with the access-log entry in the
 * same transaction. The log entry has no foreign key, so it outlives the session.
 */
export async function deleteSession(
  db: Database,
  memory: Pick<MemoryStore, 'remove'>,
  agent: AgentIdentity,
  sessionIdOrRef: string,
): Promise<DeleteOutcome> {
  // The database and memory both name the conversation by its reference (lib/session-ref.ts), so
  // the reference alone reaches everything the conversation left behind.
  const sessionId = sessionRef(sessionIdOrRef);
  const [session] = await db.select({ turnCount: sessions.turnCount }).from(sessions).where(eq(sessions.id, sessionId));
  if (!session) return { kind: 'not_found' };
  try {
    await memory.remove(sessionId);
  } catch (error) {
    log.warn('delete session: memory store unavailable', errorFields(error));
    return { kind: 'memory_unavailable' };
  }
  const turns = await db.transaction(async (tx) => {
    const [deleted] = await tx
      .delete(sessions)
      .where(eq(sessions.id, sessionId))
      .returning({ turnCount: sessions.turnCount });
    await logAccess(tx, agent, 'delete_session', { sessionId, detail: { turns: deleted?.turnCount ?? 0 } });
    return deleted?.turnCount ?? 0;
  });
  return { kind: 'deleted', turns };
}
