import { z } from 'zod';
import type { EndEntry, MessageRecord, StateRecord, TurnRecord } from '@/lib/audit/types';
import type { StateSnapshot } from '@/lib/handoff/machine';
import type { MemoryStatus } from '@/lib/conversation/status';
import type { RateRule } from '@/lib/rate-limit/window';

export { MEMORY_LAYOUT_VERSION } from '@/lib/redis/keys';

/**
 * How long a conversation's turn counter outlives its memory: while it exists, an empty memory is
 * "expired" without asking Postgres; after it, the durable record decides.
 */
export const COUNTER_TTL_SECONDS = 30 * 24 * 3600;

/** A counter created when the server issues an id lives this long if no message follows. */
export const ISSUED_COUNTER_TTL_SECONDS = 24 * 3600;

export const memoryMessageSchema = z.object({
  tokens: z.number().int().nonnegative(),
  /** `agent`: a person from the support team wrote it (lib/handoff), named by `agentName`. */
  role: z.enum(['user', 'assistant', 'agent']),
  at: z.iso.datetime(),
  auditId: z.string().min(1),
  /** The client's idempotency key, on user messages that had one. */
  messageId: z.string().optional(),
  /** On an assistant message the customer stopped: the text is what had arrived by then. */
  stopped: z.literal(true).optional(),
  /** On an agent's message: the name the customer sees. */
  agentName: z.string().optional(),
  text: z.string(),
});

export type MemoryMessage = z.infer<typeof memoryMessageSchema>;

export interface Exchange {
  user: MemoryMessage;
  /** Null for a message held for a person (lib/handoff): the model was not asked. */
  assistant: MemoryMessage | null;
}

export interface MemoryCaps {
  /** Exchanges (user + assistant pairs) kept at most. */
  maxTurns: number;
  /** Sum of the stored token estimates kept at most. */
  maxTokens: number;
  ttlSeconds: number;
  /** Turns one session may start per minute (0 or absent: no limit). */
  turnsPerMinute?: number;
}

/** What a turn or the widget gets back from memory. Never throws: failure is a status. */
export type LoadedMemory =
  | {
      status: Exclude<MemoryStatus, 'unavailable'>;
      messages: MemoryMessage[];
      summary: string | null;
      createdAt: string | null;
    }
  | { status: 'unavailable'; errorClass: string; messages: []; summary: null; createdAt: null };

/** What the durable record (Postgres) says about a conversation Redis does not know. */
export interface Seed {
  /** Highest turn number already recorded (0: none). */
  seq: number;
  /** Exchanges ever answered (0: the conversation never had memory). */
  kept: number;
}

/** Who answers the conversation now, and its version: the conversation's event counter when it was read. */
export interface HeldState {
  snapshot: StateSnapshot;
  eventSeq: number;
  /** When the owning agent last acted (took it, or wrote): what "left silent" is measured from. */
  lastAgentAt?: string | null;
}

export type StateRead = { kind: 'read'; state: HeldState } | { kind: 'unseeded' };

export interface StateChangeRequest {
  sessionId: string;
  /** The version the change was decided on: any change since refuses it (`conflict`), to be decided again. */
  expectedEventSeq: number;
  next: StateSnapshot;
  /** The change's audit record; the backend numbers it (afterSeq, eventSeq) as it makes the change. */
  entry: Omit<StateRecord, 'afterSeq' | 'eventSeq'>;
  /** Given after the durable record was asked (an `unseeded` answer): the counter and the last known state. */
  seed: (Seed & { state: HeldState }) | null;
}

export type StateChangeResult =
  | { kind: 'changed'; eventSeq: number; afterSeq: number }
  /** Another change came first: nothing was written. */
  | { kind: 'conflict' }
  | { kind: 'unseeded' };

export interface AppendRequest {
  sessionId: string;
  /** Only the conversation's owner may write into it (state `agent`). */
  agentId: string;
  message: MemoryMessage;
  /** The message's audit record; the backend numbers it (afterSeq, eventSeq). */
  entry: Omit<MessageRecord, 'afterSeq' | 'eventSeq'>;
  now: Date;
}

export type AppendResult =
  | { kind: 'appended'; eventSeq: number; evicted: MemoryMessage[] }
  /** The conversation is not this agent's (any more): nothing was written; what it is instead. */
  | { kind: 'refused'; state: StateSnapshot };

export interface BeginRequest {
  sessionId: string;
  auditId: string;
  leaseMs: number;
  messageId: string | null;
  /** The turn's audit record as it begins (status `pending`). */
  pending: TurnRecord;
  /** Given after the durable record was asked (an `unseeded` answer). */
  seed: Seed | null;
  /**
   * The request's chat limits (lib/rate-limit/rules.ts chatChecks), counted by this call before
   * anything else: given on a request's first begin only, so a wait or a retry never counts twice.
   */
  limits?: ReadonlyArray<readonly [RateRule, string]>;
}

export interface Replay {
  auditId: string;
  reply: string;
}

export type BeginResult =
  /** Another turn of this conversation is running. */
  | { kind: 'busy' }
  /**
   * Over a limit: `client` (a chat limit: nothing else was done) or `conversation` (the
   * conversation's own limit: counted after the lease and the replay check).
   */
  | { kind: 'rate_limited'; by: 'client' | 'conversation'; retryAfterMs: number }
  /** The message was answered before (same messageId): nothing was started. */
  | { kind: 'replay'; replay: Replay }
  /** Memory has no turn counter for the session: ask the durable record, then begin again with a seed. */
  | { kind: 'unseeded' }
  /**
   * The turn holds the conversation's lease and its number; its pending record is on its way to the
   * audit. `memory.status` is ok / new / expired, or unavailable for a record that could not be read.
   */
  | { kind: 'begun'; seq: number; memory: LoadedMemory; state: StateSnapshot; lastAgentAt?: string | null }
  /** Memory could not be reached: nothing is known, held or recorded. */
  | { kind: 'unavailable'; errorClass: string };

export interface CommitRequest {
  sessionId: string;
  auditId: string;
  exchange: Exchange;
  /** The turn's number when begin gave it one; null after an unavailable begin. */
  seq: number | null;
  seed: Seed | null;
  /** Start a clean record instead of appending (after a corrupt load). */
  fresh: boolean;
  final: TurnRecord;
  now: Date;
}

export type CommitResult =
  | { kind: 'stored'; seq: number; evicted: MemoryMessage[] }
  /** Another turn holds the conversation: nothing was written. */
  | { kind: 'locked' }
  /** The same messageId was answered meanwhile: nothing was written, this is the stored answer. */
  | { kind: 'duplicate'; replay: Replay }
  | { kind: 'unseeded' };

export interface RecordRequest {
  sessionId: string;
  auditId: string;
  seq: number | null;
  seed: Seed | null;
  entry: EndEntry;
}

export type RecordResult =
  /** `modelErrors`: the conversation's model errors since its last state change (counted when this one was one). */
  | { kind: 'recorded'; seq: number; modelErrors?: number }
  | { kind: 'unseeded' };

export type LeaseState = 'held' | 'stop' | 'lost';

/**
 * What a storage backend of conversations implements (one folder each: redis/, local/): short-term
 * memory, turn counter, lease, stop requests, and the atomic birth of each turn's audit entry:
 * every call that changes a conversation also hands its audit entry on (Redis: to the audit stream,
 * in the same script; embedded: straight to the database). Calls that can fail throw; `begin` and
 * `read` report failure as a result. The app never calls a backend directly: it goes through
 * ConversationStore (lib/conversation/store.ts), which adds the durable record and the fallbacks.
 */
export interface ConversationBackend {
  readonly kind: 'redis' | 'local';
  /** One round trip: chat limits, lease, replay check, conversation limit, turn number, the window, the pending record. */
  begin(request: BeginRequest): Promise<BeginResult>;
  /** One round trip: stores the exchange and its final record, releases the lease. */
  commit(request: CommitRequest): Promise<CommitResult>;
  /** One round trip: the final (or void) record of a turn that stores nothing; releases the lease. */
  record(request: RecordRequest): Promise<RecordResult>;
  /** Keeps the lease of a running turn; says whether the customer asked to stop it. */
  renew(sessionId: string, auditId: string, leaseMs: number): Promise<LeaseState>;
  /** Asks the instance running this turn to stop it. */
  requestStop(sessionId: string, auditId: string): Promise<void>;
  /** The conversation without touching it (a reload, the summary job). */
  read(sessionId: string): Promise<LoadedMemory>;
  /** Marks a freshly issued session as known and empty, so its first turn needs no durable lookup. */
  register(sessionId: string): Promise<void>;
  /** Replaces the rolling summary if the record still exists. */
  saveSummary(sessionId: string, summary: string): Promise<void>;
  /** Forgets the session entirely (admin delete). */
  remove(sessionId: string): Promise<void>;
  /** One round trip: who answers the conversation, and its version. Throws when unreachable. */
  readState(sessionId: string): Promise<StateRead>;
  /** One round trip: the change if nothing changed since its version, with its audit entry. Throws when unreachable. */
  changeState(request: StateChangeRequest): Promise<StateChangeResult>;
  /** One round trip: an agent's message into the conversation they own, with its audit entry. Throws when unreachable. */
  appendMessage(request: AppendRequest): Promise<AppendResult>;
  /** Which of these turns still hold their conversation's lease, i.e. are still running somewhere (the drainer's abandon check). */
  leasesHeld(turns: { sessionId: string; auditId: string }[]): Promise<Set<string>>;
}

/** The backend's earlier name ("memory store"), still used by callers that only need one of its calls. */
export type MemoryStore = ConversationBackend;

export function unavailable(errorClass: string): LoadedMemory {
  return { status: 'unavailable', errorClass, messages: [], summary: null, createdAt: null };
}

/** ok with messages; else expired when the conversation once had memory, new when it never did. */
export function statusOfEmpty(kept: number): 'new' | 'expired' {
  return kept > 0 ? 'expired' : 'new';
}

/**
 * The trimming rule both stores follow (Redis mirrors it in Lua): drop the oldest exchange while the
 * window holds more than maxTurns × 2 messages or more than maxTokens estimated tokens. An exchange
 * is a customer's message with the reply to it (same audit id), else the message alone (a message
 * held for a person, an agent's message): a reply never outlives its question.
 */
export function applyCaps(
  messages: MemoryMessage[],
  caps: Pick<MemoryCaps, 'maxTurns' | 'maxTokens'>,
): { kept: MemoryMessage[]; evicted: MemoryMessage[] } {
  let start = 0;
  let total = messages.reduce((sum, m) => sum + m.tokens, 0);
  while (start < messages.length && (messages.length - start > caps.maxTurns * 2 || total > caps.maxTokens)) {
    const first = messages[start]!;
    const next = messages[start + 1];
    const drop = first.role === 'user' && next?.role === 'assistant' && next.auditId === first.auditId ? 2 : 1;
    for (let i = 0; i < drop; i++) total -= messages[start + i]!.tokens;
    start += drop;
  }
  return { kept: messages.slice(start), evicted: messages.slice(0, start) };
}

/** A resend's stored answer: the user message with that messageId and the reply after it. */
export function findReplay(messages: readonly MemoryMessage[], messageId: string | null): Replay | null {
  if (!messageId) return null;
  const index = messages.findIndex((m) => m.role === 'user' && m.messageId === messageId);
  const answer = index >= 0 ? messages[index + 1] : undefined;
  // Only an answered message has an answer (one held for a person has none).
  return answer?.role === 'assistant' && answer.auditId === messages[index]?.auditId
    ? { auditId: answer.auditId, reply: answer.text }
    : null;
}
