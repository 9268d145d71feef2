import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '@/lib/db/client';
import {
  accessLog,
  agents,
  conversationEvents,
  flags,
  notes,
  sessions,
  turnFeedback,
  turns,
  type ActorKind,
  type ConversationState,
  type EventKind,
  type FeedbackRating,
  type HandoffReason,
  type SessionRow,
  type TurnRow,
} from '@/lib/db/schema';
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

/** Something that happened beside the turns: a change of who answers, or an agent's message. */
export interface TranscriptEvent {
  id: string;
  /** Placed after the turn of this number (0: before the first). */
  afterSeq: number;
  eventSeq: number;
  kind: EventKind;
  state: ConversationState | null;
  reason: HandoffReason | null;
  /** The agent's words (`agent_message`). */
  text: string | null;
  actorKind: ActorKind;
  actorName: string | null;
  /** What the event says in plain words ("Ana took over"); for an agent's message, who wrote it. */
  label: string;
  createdAt: Date;
}

/** The transcript in the order things happened: turns by number, each turn's events after it. */
export type TranscriptEntry = { kind: 'turn'; turn: TranscriptTurn } | { kind: 'event'; event: TranscriptEvent };

export interface Transcript {
  session: SessionRow;
  /** The name staff see (never show session.id: it is the customer's key). */
  ref: string;
  turns: TranscriptTurn[];
  /** Conversation events (state changes, agents' messages) in their own order. */
  events: TranscriptEvent[];
  /** Turns and events merged: what the transcript page and the print view show. */
  entries: TranscriptEntry[];
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
    stateOwnerName: fromDbTextOrNull(stored.row.stateOwnerName),
  };
  const matched = q ? sql<boolean>`${turns.search} @@ websearch_to_tsquery('english', ${toDbSearchText(q)})` : sql<boolean>`false`;
  const [turnRows, eventRows, flagRows, noteRows, identity] = await Promise.all([
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
    listEvents(db, sessionId),
    listFlags(db, sessionId),
    listNotes(db, sessionId),
    identityOfRef(db, sessionRef(session.id)),
  ]);
  // Texts in their original form (lib/db/text.ts).
  const shown: TranscriptTurn[] = turnRows.slice(0, TRANSCRIPT_MAX_TURNS).map((row) => ({
    ...row,
    userText: fromDbText(row.userText),
    assistantText: fromDbTextOrNull(row.assistantText),
    contextTurns: Number(row.contextTurns),
    matched: Boolean(row.matched),
  }));
  const truncated = turnRows.length > TRANSCRIPT_MAX_TURNS;
  const lastShown = shown.at(-1)?.seq ?? 0;
  // A truncated transcript stops at its last turn shown: later events belong to turns it leaves out.
  const events = eventRows.filter((event) => !truncated || event.afterSeq <= lastShown);
  return {
    session,
    ref: sessionRef(session.id),
    turns: shown,
    events,
    entries: mergeEntries(shown, events),
    truncated,
    flags: flagRows.map((flag) => ({ ...flag, reason: fromDbText(flag.reason) })),
    notes: noteRows.map((note) => ({ ...note, body: fromDbText(note.body) })),
    identity,
  };
}

export type EventRow = Omit<TranscriptEvent, 'label'> & { detail: string | null; ownerName: string | null };

/** Who did it, as the transcript names them: an agent by name, else their role. */
function actorOf(event: EventRow): string {
  if (event.actorKind === 'agent') return event.actorName ?? 'An agent';
  return event.actorKind === 'customer' ? 'The customer' : event.actorKind === 'assistant' ? 'The assistant' : 'The system';
}

/** An event in plain words; `lastOwner` is who had the conversation before (for "was silent"). */
export function eventLabel(event: EventRow, lastOwner: string | null): string {
  if (event.kind === 'agent_message') return event.actorName ?? 'Agent';
  switch (event.reason) {
    case 'customer_asked':
      return 'Customer asked for a person';
    case 'model_escalated':
      return event.detail ? `The assistant asked for a person: ${event.detail}` : 'The assistant asked for a person';
    case 'model_errors':
      return 'Too many model errors: waiting for a person';
    case 'taken_over':
      return `${actorOf(event)} took over`;
    case 'handed_back':
      return `${actorOf(event)} handed back to the assistant`;
    case 'resolved':
      return `Resolved by ${event.actorKind === 'agent' ? actorOf(event) : actorOf(event).toLowerCase()}`;
    case 'agent_silent':
      return `Back in the queue: ${lastOwner ?? 'the agent'} was silent`;
    case 'customer_returned':
      return 'The customer wrote again: the assistant answers';
    default:
      return `Now: ${event.state ?? 'unknown'}`;
  }
}

/** The columns a transcript event is read from (the transcript and the export select the same). */
export const eventColumns = {
  id: conversationEvents.id,
  afterSeq: conversationEvents.afterSeq,
  eventSeq: conversationEvents.eventSeq,
  kind: conversationEvents.kind,
  state: conversationEvents.state,
  reason: conversationEvents.reason,
  detail: conversationEvents.detail,
  text: conversationEvents.text,
  actorKind: conversationEvents.actorKind,
  actorName: conversationEvents.actorName,
  ownerName: conversationEvents.ownerName,
  createdAt: conversationEvents.createdAt,
};

/** One conversation's stored events (in `event_seq` order), decoded and said in plain words. */
export function toTranscriptEvents(stored: EventRow[]): TranscriptEvent[] {
  let lastOwner: string | null = null;
  return stored.map((raw) => {
    const row: EventRow = {
      ...raw,
      detail: fromDbTextOrNull(raw.detail),
      text: fromDbTextOrNull(raw.text),
      actorName: fromDbTextOrNull(raw.actorName),
      ownerName: fromDbTextOrNull(raw.ownerName),
    };
    const label = eventLabel(row, lastOwner);
    if (row.kind === 'state' && row.state === 'agent') lastOwner = row.ownerName ?? row.actorName;
    const { detail: _detail, ownerName: _owner, ...event } = row;
    return { ...event, label };
  });
}

async function listEvents(db: Database, sessionId: string): Promise<TranscriptEvent[]> {
  const rows = await db
    .select(eventColumns)
    .from(conversationEvents)
    .where(eq(conversationEvents.sessionId, sessionId))
    .orderBy(asc(conversationEvents.eventSeq));
  return toTranscriptEvents(rows);
}

/**
 * Turns and events in one order: an event goes after the turn numbered its `after_seq` (after all
 * turns of that number), events among themselves by `event_seq`. Both lists come in their own order.
 */
export function mergeEntries(turnList: TranscriptTurn[], events: TranscriptEvent[]): TranscriptEntry[] {
  const pending = [...events].sort((a, b) => a.afterSeq - b.afterSeq || a.eventSeq - b.eventSeq);
  const entries: TranscriptEntry[] = [];
  let next = 0;
  for (const turn of turnList) {
    while (next < pending.length && (pending[next]?.afterSeq ?? 0) < turn.seq) {
      entries.push({ kind: 'event', event: pending[next++] as TranscriptEvent });
    }
    entries.push({ kind: 'turn', turn });
  }
  while (next < pending.length) entries.push({ kind: 'event', event: pending[next++] as TranscriptEvent });
  return entries;
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
