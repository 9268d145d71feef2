import { z } from 'zod';
import { ACTOR_KINDS, CONVERSATION_STATES, HANDOFF_REASONS, MEMORY_STATUSES, TURN_STATUSES } from '@/lib/db/schema';
import { sessionRef } from '@/lib/session-ref';

/**
 * One turn as the audit trail records it, and the envelope it travels in. A turn produces a
 * `pending` entry when it begins and a `final` entry when it ends (or a `void` one when the attempt
 * turned out to be a resend of a message already answered). Entries are applied idempotently on the
 * audit id, in any order: a final entry always wins over a pending one.
 *
 * The version is part of every entry. A drainer that meets a version it cannot read moves the
 * entry to the dead-letter list with the reason: nothing is ever dropped.
 */
export const AUDIT_RECORD_VERSION = 2;

export const turnRecordSchema = z.object({
  auditId: z.uuid(),
  sessionId: z.string().min(1),
  messageId: z.string().nullable(),
  userText: z.string(),
  assistantText: z.string().nullable(),
  status: z.enum(TURN_STATUSES),
  memoryStatus: z.enum(MEMORY_STATUSES),
  errorCode: z.string().nullable(),
  errorClass: z.string().nullable(),
  model: z.string(),
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
  ttftMs: z.number().int().nullable(),
  totalMs: z.number().int().nullable(),
  contextAuditIds: z.array(z.string()),
  promptMessages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
  client: z.object({
    userAgent: z.string().nullable(),
    ipHash: z.string().nullable(),
    origin: z.string().nullable(),
  }),
});

export type TurnRecord = z.infer<typeof turnRecordSchema>;

/**
 * A change of who answers the conversation (lib/handoff), born in the same atomic step as the change
 * itself. `eventSeq` is the conversation's own event counter (its order among events, and the state's
 * version: a late arrival never overwrites a newer state); `afterSeq` the turn number current then.
 */
export const stateRecordSchema = z.object({
  /** The event's audit id (its row in conversation_events). */
  auditId: z.uuid(),
  sessionId: z.string().min(1),
  afterSeq: z.number().int().nonnegative(),
  eventSeq: z.number().int().positive(),
  state: z.enum(CONVERSATION_STATES),
  previous: z.enum(CONVERSATION_STATES),
  reason: z.enum(HANDOFF_REASONS),
  /** The model's own words when it escalated; null otherwise. */
  detail: z.string().nullable(),
  actor: z.object({
    kind: z.enum(ACTOR_KINDS),
    agentId: z.uuid().nullable(),
    name: z.string().nullable(),
  }),
  owner: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  at: z.iso.datetime(),
});

export type StateRecord = z.infer<typeof stateRecordSchema>;

/** An agent's message into a conversation, exactly as they wrote it, numbered like a state change. */
export const messageRecordSchema = z.object({
  auditId: z.uuid(),
  sessionId: z.string().min(1),
  afterSeq: z.number().int().nonnegative(),
  eventSeq: z.number().int().positive(),
  agent: z.object({ id: z.uuid(), name: z.string() }),
  text: z.string(),
  at: z.iso.datetime(),
});

export type MessageRecord = z.infer<typeof messageRecordSchema>;

export type AuditEntryKind = 'pending' | 'final' | 'void' | 'state' | 'message';

export interface TurnEntry {
  kind: 'pending' | 'final';
  /** The conversation's own turn number; null when it could not be given (Redis was down): Postgres places it. */
  seq: number | null;
  record: TurnRecord;
}

export interface VoidEntry {
  kind: 'void';
  seq: number | null;
  record: { auditId: string; sessionId: string };
}

/** A state change: numbered by its record (eventSeq), not by a turn number. */
export interface StateEntry {
  kind: 'state';
  seq: null;
  record: StateRecord;
}

export interface MessageEntry {
  kind: 'message';
  seq: null;
  record: MessageRecord;
}

/** What happens in a conversation beside its turns (conversation_events). */
export type EventEntry = StateEntry | MessageEntry;

export type AuditEntry = TurnEntry | VoidEntry | EventEntry;

/** How a turn ended, as memory records it when it stores no exchange. */
export type EndEntry = (TurnEntry & { kind: 'final' }) | VoidEntry;

const voidRecordSchema = z.object({ auditId: z.uuid(), sessionId: z.string().min(1) });

export type ParsedEntry = { ok: true; entry: AuditEntry } | { ok: false; reason: string };

/** Reads one stream entry's fields (v, k, s, r). Never throws: an unreadable entry says why. */
export function parseStreamEntry(fields: Record<string, string>): ParsedEntry {
  const version = Number(fields.v);
  if (version !== AUDIT_RECORD_VERSION) {
    return { ok: false, reason: `unknown record version ${JSON.stringify(fields.v ?? null)}` };
  }
  const kind = fields.k;
  if (kind !== 'pending' && kind !== 'final' && kind !== 'void' && kind !== 'state' && kind !== 'message') {
    return { ok: false, reason: `unknown entry kind ${JSON.stringify(kind ?? null)}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(fields.r ?? '');
  } catch {
    return { ok: false, reason: 'record is not JSON' };
  }
  if (kind === 'state' || kind === 'message') {
    // A script numbers the event as it makes it: the turn number then (`s`) and the event's (`e`).
    const numbered = { ...(json as object), ...numbersOf(fields) };
    if (kind === 'message') {
      const parsed = messageRecordSchema.safeParse(numbered);
      return parsed.success ? { ok: true, entry: { kind, seq: null, record: parsed.data } } : invalid(parsed.error);
    }
    const parsed = stateRecordSchema.safeParse(numbered);
    return parsed.success ? { ok: true, entry: { kind, seq: null, record: parsed.data } } : invalid(parsed.error);
  }
  const seq = fields.s === undefined || fields.s === '' ? null : Number(fields.s);
  if (seq !== null && (!Number.isInteger(seq) || seq < 1)) return { ok: false, reason: `bad turn number ${fields.s}` };
  if (kind === 'void') {
    const parsed = voidRecordSchema.safeParse(json);
    return parsed.success ? { ok: true, entry: { kind, seq, record: parsed.data } } : invalid(parsed.error);
  }
  const parsed = turnRecordSchema.safeParse(json);
  return parsed.success ? { ok: true, entry: { kind, seq, record: parsed.data } } : invalid(parsed.error);
}

/** The numbers a script gave a state change, when its fields carry them (else the record's own). */
function numbersOf(fields: Record<string, string>): { afterSeq?: number; eventSeq?: number } {
  return {
    ...(fields.s ? { afterSeq: Number(fields.s) } : {}),
    ...(fields.e ? { eventSeq: Number(fields.e) } : {}),
  };
}

function invalid(error: z.ZodError): ParsedEntry {
  const issue = error.issues[0];
  return { ok: false, reason: `invalid record: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown'}` };
}

/** The fields of a stream entry for one audit entry (the inverse of parseStreamEntry). */
export function streamFields(entry: AuditEntry): { v: string; k: AuditEntryKind; s: string; r: string } {
  return {
    v: String(AUDIT_RECORD_VERSION),
    k: entry.kind,
    s: entry.seq === null ? '' : String(entry.seq),
    r: JSON.stringify(entry.record),
  };
}

/**
 * A line of the first release's outboxes (a v1 turn record, no envelope): still applied, so an
 * upgrade loses nothing that the previous release queued. It carries no turn number.
 */
export function parseLegacyLine(line: string): ParsedEntry {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'legacy outbox line is not JSON' };
  }
  if (json && typeof json === 'object' && 'v' in json && 'r' in json) {
    return parseStreamEntry(json as Record<string, string>);
  }
  const parsed = turnRecordSchema.safeParse(json);
  if (!parsed.success) return invalid(parsed.error);
  const kind = parsed.data.status === 'pending' ? 'pending' : 'final';
  return { ok: true, entry: { kind, seq: null, record: parsed.data } };
}

/**
 * The entry naming its session by reference instead of id, for everything kept outside memory (the
 * outbox file, a log line): the sink treats both alike, since a reference is its own reference.
 */
export function withSessionReference<T extends AuditEntry>(entry: T): T {
  return { ...entry, record: { ...entry.record, sessionId: sessionRef(entry.record.sessionId) } };
}
