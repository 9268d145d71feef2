import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '@/lib/db/client';
import { accessLog, agents, flags, notes, sessions, turnFeedback, turns, type FeedbackRating, type SessionRow, type TurnRow } from '@/lib/db/schema';
import { sessionRef } from '@/lib/session-ref';
import { fromDbText, fromDbTextOrNull, toDbSearchText } from '@/lib/db/text';
import type { AgentIdentity } from '@/lib/auth/identity';
import { logAccess } from '@/lib/auth/access-log';
import { sessionErrorCount } from '@/lib/admin/sessions';
import { identityOfRef, type CustomerIdentityView } from '@/lib/admin/identity';

/** A transcript longer than this shows its first turns and says so; no real support chat gets near it. */
export const TRANSCRIPT_MAX_TURNS = 2000;

export type TranscriptTurn = Pick<
  TurnRow,
  | 'auditId'
  | 'seq'
  | 'userText'
  | 'assistantText'
  | 'status'
  | 'memoryStatus'
  | 'errorCode'
  | 'errorClass'
  | 'model'
  | 'promptTokens'
  | 'completionTokens'
  | 'ttftMs'
  | 'totalMs'
  | 'createdAt'
  | 'completedAt'
> & {
  /** Remembered turns the model saw with this one. */
  contextTurns: number;
  /** Whether the transcript's search query matches this turn. */
  matched: boolean;
  /** The customer's thumbs up/down on the reply, if they gave one. */
  feedback: FeedbackRating | null;
};

export interface FlagView {
  id: string;
  auditId: string | null;
  reason: string;
  agentEmail: string;
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedByEmail: string | null;
}

export interface NoteView {
  id: string;
  auditId: string | null;
  body: string;
  agentEmail: string;
  createdAt: Date;
}

export interface Transcript {
  session: SessionRow;
  /** The name staff see (never show session.id: it is the customer's key). */
  ref: string;
  turns: TranscriptTurn[];
  truncated: boolean;
  flags: FlagView[];
  notes: NoteView[];
  /** The verified customer, as the host site signed them; null: anonymous. */
  identity: CustomerIdentityView | null;
}

export async function getTranscript(db: Database, sessionIdOrRef: string, q?: string): Promise<Transcript | null> {
  // The database keys conversations by reference (lib/session-ref.ts).
  const sessionId = sessionRef(sessionIdOrRef);
  const [stored] = await db.select({ row: sessions, errors: sessionErrorCount }).from(sessions).where(eq(sessions.id, sessionId));
  if (!stored) return null;
  // Errors as the list and the overview count them (lib/admin/sessions.ts): a customer's Stop is not one.
  const session: SessionRow = {
    ...stored.row,
    errorCount: Number(stored.errors),
    lastUserText: fromDbTextOrNull(stored.row.lastUserText),
  };
  const matched = q ? sql<boolean>`${turns.search} @@ websearch_to_tsquery('english', ${toDbSearchText(q)})` : sql<boolean>`false`;
  const [turnRows, flagRows, noteRows, identity] = await Promise.all([
    db
      .select({
        auditId: turns.auditId,
        seq: turns.seq,
        userText: turns.userText,
        assistantText: turns.assistantText,
        status: turns.status,
        memoryStatus: turns.memoryStatus,
        errorCode: turns.errorCode,
        errorClass: turns.errorClass,
        model: turns.model,
        promptTokens: turns.promptTokens,
        completionTokens: turns.completionTokens,
        ttftMs: turns.ttftMs,
        totalMs: turns.totalMs,
        createdAt: turns.createdAt,
        completedAt: turns.completedAt,
        contextTurns: sql<number>`jsonb_array_length(${turns.contextAuditIds})`,
        matched,
        feedback: turnFeedback.rating,
      })
      .from(turns)
      .leftJoin(turnFeedback, eq(turnFeedback.auditId, turns.auditId))
      .where(eq(turns.sessionId, sessionId))
      .orderBy(asc(turns.seq))
      .limit(TRANSCRIPT_MAX_TURNS + 1),
    listFlags(db, sessionId),
    listNotes(db, sessionId),
    identityOfRef(db, sessionRef(session.id)),
  ]);
  return {
    session,
    ref: sessionRef(session.id),
    // Texts in their original form (lib/db/text.ts).
    turns: turnRows.slice(0, TRANSCRIPT_MAX_TURNS).map((row) => ({
      ...row,
      userText: fromDbText(row.userText),
      assistantText: fromDbTextOrNull(row.assistantText),
      contextTurns: Number(row.contextTurns),
      matched: Boolean(row.matched),
    })),
    truncated: turnRows.length > TRANSCRIPT_MAX_TURNS,
    flags: flagRows.map((flag) => ({ ...flag, reason: fromDbText(flag.reason) })),
    notes: noteRows.map((note) => ({ ...note, body: fromDbText(note.body) })),
    identity,
  };
}

async function listFlags(db: Database, sessionId: string): Promise<FlagView[]> {
  const resolver = alias(agents, 'resolver');
  return db
    .select({
      id: flags.id,
      auditId: flags.auditId,
      reason: flags.reason,
      agentEmail: agents.email,
      createdAt: flags.createdAt,
      resolvedAt: flags.resolvedAt,
      resolvedByEmail: resolver.email,
    })
    .from(flags)
    .innerJoin(agents, eq(agents.id, flags.agentId))
    .leftJoin(resolver, eq(resolver.id, flags.resolvedBy))
    .where(eq(flags.sessionId, sessionId))
    .orderBy(asc(flags.createdAt));
}

async function listNotes(db: Database, sessionId: string): Promise<NoteView[]> {
  return db
    .select({
      id: notes.id,
      auditId: notes.auditId,
      body: notes.body,
      agentEmail: agents.email,
      createdAt: notes.createdAt,
    })
    .from(notes)
    .innerJoin(agents, eq(agents.id, notes.agentId))
    .where(eq(notes.sessionId, sessionId))
    .orderBy(asc(notes.createdAt));
}

/**
 * Reopening a transcript within this window (a refresh, or the page reloading after a flag) is the
 * same view, unless it now shows more turns: each entry records what was on screen.
 */
const VIEW_LOG_WINDOW_MS = 10 * 60 * 1000;

/** The transcript page's read: loading a transcript for an agent is what the access log records as a view. */
export async function openTranscript(
  db: Database,
  agent: Pick<AgentIdentity, 'id' | 'email'>,
  sessionId: string,
  q?: string,
): Promise<Transcript | null> {
  const transcript = await getTranscript(db, sessionId, q);
  if (!transcript) return null;
  const [recent] = await db
    .select({ id: accessLog.id })
    .from(accessLog)
    .where(
      and(
        eq(accessLog.sessionId, transcript.ref),
        eq(accessLog.agentId, agent.id),
        eq(accessLog.action, 'view_session'),
        gt(accessLog.at, new Date(Date.now() - VIEW_LOG_WINDOW_MS)),
        sql`${accessLog.detail}->>'turns' = ${String(transcript.turns.length)}`,
      ),
    )
    .limit(1);
  if (!recent) {
    const seen = { turns: transcript.turns.length, lastAuditId: transcript.turns.at(-1)?.auditId ?? null };
    await logAccess(db, agent, 'view_session', { sessionId, detail: q ? { q, ...seen } : seen });
  }
  return transcript;
}
