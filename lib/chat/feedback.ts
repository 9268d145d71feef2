import { eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { turnInSession } from '@/lib/db/turns';
import { assertIssuedSessionId, type SessionPolicy } from '@/lib/chat/request';
import type { Database } from '@/lib/db/client';
import { turnFeedback, type FeedbackRating } from '@/lib/db/schema';
import { ApiError } from '@/lib/errors';
import { sessionRef } from '@/lib/session-ref';
import type { MemoryStore } from '@/lib/memory/types';

/** POST /api/feedback: the customer's thumbs up/down (or null to take it back) on one reply. */
const feedbackSchema = z.strictObject({
  sessionId: z.string().max(400),
  auditId: z.string().uuid(),
  rating: z.enum(['up', 'down']).nullable(),
});

export interface FeedbackInput {
  sessionId: string;
  auditId: string;
  rating: FeedbackRating | null;
}

export function parseFeedbackRequest(body: unknown, sessions: SessionPolicy): FeedbackInput {
  const parsed = feedbackSchema.safeParse(body);
  if (!parsed.success) {
    const unknown = parsed.error.issues.some((issue) => issue.code === 'unrecognized_keys');
    throw new ApiError(
      400,
      unknown ? 'unknown_field' : 'invalid_request',
      'Expected {"sessionId": string, "auditId": uuid, "rating": "up" | "down" | null}.',
    );
  }
  assertIssuedSessionId(parsed.data.sessionId, sessions);
  return parsed.data;
}

export interface FeedbackDeps {
  memory: Pick<MemoryStore, 'read'>;
  db: () => Promise<Database>;
}

/**
 * A session may rate only its own replies. Memory is asked first (the reply is there the moment it
 * ends, while its audit row may still be on its way); the audit decides for replies memory no longer holds.
 */
export async function ownsReply(deps: FeedbackDeps, sessionId: string, auditId: string): Promise<boolean> {
  const memory = await deps.memory.read(sessionId).catch(() => null);
  if (memory?.messages.some((m) => m.role === 'assistant' && m.auditId === auditId)) return true;
  return turnInSession(await deps.db(), sessionId, auditId);
}

export async function recordFeedback(deps: FeedbackDeps, input: FeedbackInput): Promise<void> {
  if (!(await ownsReply(deps, input.sessionId, input.auditId))) {
    throw new ApiError(404, 'not_found', 'There is no such reply in this conversation.');
  }
  const db = await deps.db();
  if (input.rating === null) {
    await db.delete(turnFeedback).where(eq(turnFeedback.auditId, input.auditId));
    return;
  }
  await db
    .insert(turnFeedback)
    .values({ auditId: input.auditId, sessionId: sessionRef(input.sessionId), rating: input.rating })
    .onConflictDoUpdate({ target: turnFeedback.auditId, set: { rating: input.rating, updatedAt: sql`now()` } });
}

/** Ratings of the given replies, for the admin transcript. */
export async function feedbackFor(db: Database, auditIds: string[]): Promise<Record<string, FeedbackRating>> {
  if (auditIds.length === 0) return {};
  const rows = await db
    .select({ auditId: turnFeedback.auditId, rating: turnFeedback.rating })
    .from(turnFeedback)
    .where(inArray(turnFeedback.auditId, auditIds));
  return Object.fromEntries(rows.map((row) => [row.auditId, row.rating]));
}
