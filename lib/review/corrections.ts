import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { logAccess } from '@/lib/auth/access-log';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import { reviewCorrections, turns } from '@/lib/db/schema';
import { fromDbText, toDbText } from '@/lib/db/text';
import { ApiError } from '@/lib/errors';
import { type DiffPart, wordDiff } from '@/lib/review/diff';
import { requireReply, reviewerName } from '@/lib/review/scores';

/**
 * "What it should have said", one per assistant reply, kept exactly as the reviewer typed it beside
 * the original. The turn row and its audit are never touched: a correction is its own row.
 */

export const CORRECTION_MAX_CHARS = 8000;

export const correctionRequestSchema = z.strictObject({
  text: z
    .string()
    .max(CORRECTION_MAX_CHARS, `at most ${CORRECTION_MAX_CHARS} characters`)
    .refine((text) => text.trim() !== '', 'write the reply it should have given'),
});

export interface CorrectionView {
  auditId: string;
  text: string;
  original: string;
  diff: DiffPart[];
  authorName: string;
  updatedAt: Date;
}

/** The reply's conversation (the reply is named by its audit id alone in the route). */
async function replyOwner(db: Pick<Database, 'select'>, auditId: string): Promise<string> {
  const [turn] = await db.select({ sessionId: turns.sessionId }).from(turns).where(eq(turns.auditId, auditId));
  if (!turn) throw new ApiError(404, 'not_found', 'No such reply.');
  return turn.sessionId;
}

/** Writes or replaces the correction of a reply; logged as `review_correction` (its length, not its text). */
export async function setCorrection(db: Database, agent: AgentIdentity, auditId: string, text: string): Promise<CorrectionView> {
  const sessionId = await replyOwner(db, auditId);
  const { assistantText } = await requireReply(db, sessionId, auditId);
  const now = new Date();
  const authorName = reviewerName(agent);
  await db.transaction(async (tx) => {
    await tx
      .insert(reviewCorrections)
      .values({ auditId, sessionId, text: toDbText(text), authorId: agent.id, authorName, updatedAt: now })
      .onConflictDoUpdate({ target: reviewCorrections.auditId, set: { text: toDbText(text), authorId: agent.id, authorName, updatedAt: now } });
    await logAccess(tx, agent, 'review_correction', { sessionId, auditId, detail: { change: 'write', chars: text.length } });
  });
  const original = fromDbText(assistantText);
  return { auditId, text, original, diff: wordDiff(original, text), authorName, updatedAt: now };
}

/** Removes a reply's correction; 404 when there is none. */
export async function removeCorrection(db: Database, agent: AgentIdentity, auditId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [removed] = await tx
      .delete(reviewCorrections)
      .where(eq(reviewCorrections.auditId, auditId))
      .returning({ sessionId: reviewCorrections.sessionId });
    if (!removed) throw new ApiError(404, 'not_found', 'This reply has no correction.');
    await logAccess(tx, agent, 'review_correction', { sessionId: removed.sessionId, auditId, detail: { change: 'remove' } });
  });
}

/** A conversation's corrections with their diffs against the original replies, by audit id. */
export async function readCorrections(db: Database, sessionId: string): Promise<Map<string, CorrectionView>> {
  const rows = await db
    .select({ correction: reviewCorrections, original: turns.assistantText })
    .from(reviewCorrections)
    .innerJoin(turns, and(eq(turns.auditId, reviewCorrections.auditId)))
    .where(eq(reviewCorrections.sessionId, sessionId));
  return new Map(
    rows.map(({ correction, original }) => {
      const text = fromDbText(correction.text);
      const reply = fromDbText(original ?? '');
      return [
        correction.auditId,
        { auditId: correction.auditId, text, original: reply, diff: wordDiff(reply, text), authorName: correction.authorName, updatedAt: correction.updatedAt },
      ];
    }),
  );
}
