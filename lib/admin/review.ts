import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { ApiError } from '@/lib/errors';
import { flags, notes, sessions } from '@/lib/db/schema';
import type { AgentIdentity } from '@/lib/auth/identity';
import { logAccess } from '@/lib/auth/access-log';
import { turnInSession } from '@/lib/db/turns';
import { sessionRefSchema } from '@/lib/admin/session-lookup';
import { toDbText } from '@/lib/db/text';
import { sessionRef } from '@/lib/session-ref';

/** Flags and internal notes: what agents add to a transcript. Each change and its log entry commit together. */

export const sessionIdSchema = z.string().min(1).max(200);

/**
 * What the console sends: the conversation by its reference (`session`), which the route turns into
 * the session id the functions below take.
 */
export const flagRequestSchema = z.strictObject({
  session: sessionRefSchema,
  auditId: z.uuid().nullish(),
  reason: z.string().trim().min(1, 'give a reason').max(500),
});

export const noteRequestSchema = z.strictObject({
  session: sessionRefSchema,
  auditId: z.uuid().nullish(),
  body: z.string().trim().min(1, 'write something').max(5000),
});

export const newFlagSchema = z.strictObject({
  sessionId: sessionIdSchema,
  /** Omit (or null) to flag the whole session. */
  auditId: z.uuid().nullish(),
  reason: z.string().trim().min(1, 'give a reason').max(500),
});

export const newNoteSchema = z.strictObject({
  sessionId: sessionIdSchema,
  auditId: z.uuid().nullish(),
  body: z.string().trim().min(1, 'write something').max(5000),
});

export type ReviewOutcome<T> = { kind: 'ok'; value: T } | { kind: 'not_found'; what: 'session' | 'turn' | 'flag' };

/** A review action's answer for its route: the value (201 for something new), or 404 naming what is missing. */
export function reviewAnswer<T>(outcome: ReviewOutcome<T>, status: 200 | 201 = 200): Response {
  if (outcome.kind === 'not_found') throw new ApiError(404, 'not_found', `No such ${outcome.what}.`);
  return Response.json(outcome.value, { status });
}

async function checkTarget(db: Database, sessionId: string, auditId: string | null): Promise<'session' | 'turn' | null> {
  const [session] = await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, sessionId));
  if (!session) return 'session';
  if (auditId && !(await turnInSession(db, sessionId, auditId))) return 'turn';
  return null;
}

/**
 * Adds something an agent wrote about a session or one of its turns: checks the target exists, then
 * writes the row and its access-log entry in one transaction.
 */
async function addToTarget(
  db: Database,
  target: { sessionId: string; auditId: string | null },
  write: (tx: Database) => Promise<string | undefined>,
): Promise<ReviewOutcome<{ id: string }>> {
  const missing = await checkTarget(db, target.sessionId, target.auditId);
  if (missing) return { kind: 'not_found', what: missing };
  const id = await db.transaction((tx) => write(tx));
  if (!id) throw new Error('insert returned no row');
  return { kind: 'ok', value: { id } };
}

export function createFlag(
  db: Database,
  agent: AgentIdentity,
  input: z.infer<typeof newFlagSchema>,
): Promise<ReviewOutcome<{ id: string }>> {
  // The database names sessions by reference; text in the stored form (lib/db/text.ts).
  const target = { sessionId: sessionRef(input.sessionId), auditId: input.auditId ?? null };
  return addToTarget(db, target, async (tx) => {
    const [row] = await tx
      .insert(flags)
      .values({ ...target, reason: toDbText(input.reason), agentId: agent.id })
      .returning({ id: flags.id });
    await logAccess(tx, agent, 'flag', { ...target, detail: { reason: input.reason } });
    return row?.id;
  });
}

/** Resolving is idempotent: a flag already resolved stays as it was (who and when). */
export async function resolveFlag(db: Database, agent: AgentIdentity, flagId: string): Promise<ReviewOutcome<{ id: string }>> {
  return db.transaction(async (tx) => {
    const [flag] = await tx.select().from(flags).where(eq(flags.id, flagId));
    if (!flag) return { kind: 'not_found', what: 'flag' } as const;
    const [changed] = await tx
      .update(flags)
      .set({ resolvedAt: new Date(), resolvedBy: agent.id })
      .where(and(eq(flags.id, flagId), isNull(flags.resolvedAt)))
      .returning({ id: flags.id });
    if (changed) {
      await logAccess(tx, agent, 'resolve_flag', { sessionId: flag.sessionId, auditId: flag.auditId, detail: { flagId } });
    }
    return { kind: 'ok', value: { id: flagId } } as const;
  });
}

export function addNote(
  db: Database,
  agent: AgentIdentity,
  input: z.infer<typeof newNoteSchema>,
): Promise<ReviewOutcome<{ id: string }>> {
  const target = { sessionId: sessionRef(input.sessionId), auditId: input.auditId ?? null };
  return addToTarget(db, target, async (tx) => {
    const [row] = await tx
      .insert(notes)
      .values({ ...target, body: toDbText(input.body), agentId: agent.id })
      .returning({ id: notes.id });
    // The note's text is in the notes table; the log records that it was written.
    await logAccess(tx, agent, 'note', { ...target, detail: { noteId: row?.id } });
    return row?.id;
  });
}
