import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { sessions, turns } from '@/lib/db/schema';
import type { TurnRecord } from '@/lib/audit/types';
import { sessionRef } from '@/lib/session-ref';

const FALLBACK_STATUSES = new Set(['expired', 'unavailable']);

export function promptHash(messages: TurnRecord['promptMessages']): string {
  return createHash('sha256').update(JSON.stringify(messages)).digest('hex');
}

/**
 * Applies one turn record. Idempotent on the audit id: the first arrival inserts the row and takes
 * the session's next sequence number; a later final record completes a `pending` row; anything else
 * (a replay, a `pending` that arrives after the final one) changes nothing.
 * The session row is locked first, so concurrent writers of one session queue up there.
 */
export async function applyTurnRecord(db: Database, record: TurnRecord): Promise<'inserted' | 'completed' | 'unchanged'> {
  const createdAt = new Date(record.createdAt);
  const completedAt = record.completedAt ? new Date(record.completedAt) : null;
  const failed = record.status !== 'ok' && record.status !== 'pending';

  return db.transaction(async (tx) => {
    await tx
      .insert(sessions)
      .values({
        id: record.sessionId,
        // The admin's non-secret name for the conversation (the id is the customer's key).
        ref: sessionRef(record.sessionId),
        createdAt,
        lastActivityAt: createdAt,
        firstMemoryStatus: record.memoryStatus,
        lastMemoryStatus: record.memoryStatus,
        userAgent: record.client.userAgent,
        ipHash: record.client.ipHash,
        origin: record.client.origin,
      })
      .onConflictDoNothing();
    await tx.execute(sql`select 1 from ${sessions} where ${sessions.id} = ${record.sessionId} for update`);

    const [existing] = await tx
      .select({ status: turns.status })
      .from(turns)
      .where(eq(turns.auditId, record.auditId));

    const outcome = {
      assistantText: record.assistantText,
      status: record.status,
      errorCode: record.errorCode,
      errorClass: record.errorClass,
      promptTokens: record.promptTokens,
      completionTokens: record.completionTokens,
      ttftMs: record.ttftMs,
      totalMs: record.totalMs,
      completedAt,
    };

    if (existing) {
      if (existing.status !== 'pending' || record.status === 'pending') return 'unchanged';
      await tx
        .update(turns)
        .set(outcome)
        .where(and(eq(turns.auditId, record.auditId), eq(turns.status, 'pending')));
      if (failed) {
        await tx
          .update(sessions)
          .set({ errorCount: sql`${sessions.errorCount} + 1` })
          .where(eq(sessions.id, record.sessionId));
      }
      return 'completed';
    }

    const [session] = await tx
      .update(sessions)
      .set({
        turnCount: sql`${sessions.turnCount} + 1`,
        lastActivityAt: sql`greatest(${sessions.lastActivityAt}, ${createdAt.toISOString()}::timestamptz)`,
        lastMemoryStatus: record.memoryStatus,
        lastUserText: record.userText.slice(0, 500),
        memoryFallbacks: FALLBACK_STATUSES.has(record.memoryStatus)
          ? sql`${sessions.memoryFallbacks} + 1`
          : sessions.memoryFallbacks,
        errorCount: failed ? sql`${sessions.errorCount} + 1` : sessions.errorCount,
      })
      .where(eq(sessions.id, record.sessionId))
      .returning({ turnCount: sessions.turnCount });
    if (!session) throw new Error(`session ${record.sessionId} vanished while writing its turn`);

    await tx.insert(turns).values({
      auditId: record.auditId,
      sessionId: record.sessionId,
      seq: session.turnCount,
      messageId: record.messageId,
      userText: record.userText,
      memoryStatus: record.memoryStatus,
      model: record.model,
      contextAuditIds: record.contextAuditIds,
      promptMessages: record.promptMessages,
      promptHash: promptHash(record.promptMessages),
      createdAt,
      ...outcome,
    });
    return 'inserted';
  });
}
