import { inArray, lt } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { conversationEvents, sessions, turns } from '@/lib/db/schema';

export interface RetentionReport {
  cutoff: string;
  turns: number;
  /** Handoff events (who answered the conversation, and why). */
  events: number;
  sessions: number;
}

export function retentionCutoff(days: number, now = new Date()): Date {
  return new Date(now.getTime() - days * 24 * 3600 * 1000);
}

/**
 * Deletes audit data older than the cutoff in batches, so a large backlog never holds long locks:
 * turns and conversation events created before it, then sessions whose last activity was before it
 * (with anything left).
 */
export async function deleteAuditOlderThan(db: Database, cutoff: Date, batchSize = 1000): Promise<RetentionReport> {
  let turnCount = 0;
  for (;;) {
    const batch = db.select({ id: turns.auditId }).from(turns).where(lt(turns.createdAt, cutoff)).limit(batchSize);
    const deleted = await db.delete(turns).where(inArray(turns.auditId, batch)).returning({ id: turns.auditId });
    turnCount += deleted.length;
    if (deleted.length < batchSize) break;
  }
  let eventCount = 0;
  for (;;) {
    const batch = db
      .select({ id: conversationEvents.id })
      .from(conversationEvents)
      .where(lt(conversationEvents.createdAt, cutoff))
      .limit(batchSize);
    const deleted = await db
      .delete(conversationEvents)
      .where(inArray(conversationEvents.id, batch))
      .returning({ id: conversationEvents.id });
    eventCount += deleted.length;
    if (deleted.length < batchSize) break;
  }
  let sessionCount = 0;
  for (;;) {
    const batch = db.select({ id: sessions.id }).from(sessions).where(lt(sessions.lastActivityAt, cutoff)).limit(batchSize);
    const deleted = await db.delete(sessions).where(inArray(sessions.id, batch)).returning({ id: sessions.id });
    sessionCount += deleted.length;
    if (deleted.length < batchSize) break;
  }
  return { cutoff: cutoff.toISOString(), turns: turnCount, events: eventCount, sessions: sessionCount };
}
