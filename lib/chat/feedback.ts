import { eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { turnInSession } from '@/lib/db/turns';
import { edgeLimit, type LimitDeps } from '@/lib/chat/limits';
import { assertIssuedSessionId, type SessionPolicy } from '@/lib/http/session';
import type { Database } from '@/lib/db/client';
import { turnFeedback, type FeedbackRating } from '@/lib/db/schema';
import { ApiError } from '@/lib/errors';
import { type EdgeServices, endpointFor } from '@/lib/http/endpoint';
import { parseInput, type ZodWording } from '@/lib/http/zod';
import { sessionIdSchema } from '@/lib/session-id';
import { sessionRef } from '@/lib/session-ref';
import type { MemoryStore } from '@/lib/conversation/types';

/** POST /api/feedback: the customer's thumbs up/down (or null to take it back) on one reply. */
const feedbackSchema = z.strictObject({
  sessionId: sessionIdSchema,
  auditId: z.string().uuid(),
  rating: z.enum(['up', 'down']).nullable(),
});

export interface FeedbackInput {
  sessionId: string;
  auditId: string;
  rating: FeedbackRating | null;
}

const feedbackWording: ZodWording = {
  expected: '{"sessionId": string, "auditId": uuid, "rating": "up" | "down" | null}',
};

export function parseFeedbackRequest(body: unknown, sessions: SessionPolicy): FeedbackInput {
  const parsed = parseInput(feedbackSchema, body, feedbackWording);
  assertIssuedSessionId(parsed.sessionId, sessions);
  return parsed;
}

/** A rating checks the reply is the conversation's (memory, else the audit) and stores it in Postgres. */
export interface FeedbackServices extends EdgeServices, LimitDeps {
  memory: FeedbackDeps['memory'];
}

const endpoint = endpointFor<FeedbackServices>();

/** POST /api/feedback {sessionId, auditId, rating}: 204 once stored. */
export const handleFeedback = endpoint(
  {
    auth: { kind: 'customer' },
    body: { schema: feedbackSchema, maxBytes: 2048, wording: feedbackWording },
    // Per address; only valid requests count, like the chat's limits.
    limit: edgeLimit('feedback'),
  },
  async ({ runtime, body }) => {
    await recordFeedback({ memory: runtime.memory, db: async () => (await runtime.database()).db }, body);
    return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
  },
);

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
