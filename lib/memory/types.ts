import { z } from 'zod';
import type { MemoryStatus } from '@/lib/chat/events';

/** Layout version: part of every key, and checked inside the record. */
export const MEMORY_LAYOUT_VERSION = 1;

/** How long we remember that a session once had memory, to tell "expired" from "new". */
export const SEEN_MARKER_TTL_SECONDS = 30 * 24 * 3600;

export const memoryMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  at: z.iso.datetime(),
  tokens: z.number().int().nonnegative(),
  auditId: z.string().min(1),
  /** The client's idempotency key, on user messages that had one. */
  messageId: z.string().optional(),
});

export type MemoryMessage = z.infer<typeof memoryMessageSchema>;

export interface Exchange {
  user: MemoryMessage;
  assistant: MemoryMessage;
}

export interface MemoryCaps {
  /** Exchanges (user + assistant pairs) kept at most. */
  maxTurns: number;
  /** Sum of the stored token estimates kept at most. */
  maxTokens: number;
  ttlSeconds: number;
  /** Turns one session may start per minute, counted when its lock is taken (0 or absent: no limit). */
  turnsPerMinute?: number;
}

export const RATE_WINDOW_MS = 60_000;

/** What a turn or the widget gets back from memory. Never throws: failure is a status. */
export type LoadedMemory =
  | {
      status: Exclude<MemoryStatus, 'unavailable'>;
      messages: MemoryMessage[];
      summary: string | null;
      seq: number;
      createdAt: string | null;
    }
  | { status: 'unavailable'; errorClass: string; messages: []; summary: null; seq: 0; createdAt: null };

export type BeginResult =
  | { kind: 'busy' }
  /** The session started more turns this minute than allowed; nothing was locked or loaded. */
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'loaded'; memory: LoadedMemory; locked: boolean };

export interface AppendOptions {
  /** The token this turn's lock was taken with; '' when the load had no lock (memory was unavailable). */
  lockToken: string;
  /** Start a clean record instead of appending (after an unavailable or corrupt load). */
  fresh: boolean;
  now: Date;
}

export type AppendResult =
  | { kind: 'stored'; seq: number; evicted: MemoryMessage[] }
  /** Another turn holds the session's lock: nothing was written. */
  | { kind: 'locked' };

export interface MemoryStore {
  readonly kind: 'redis' | 'local';
  /**
   * Loads the session for a new turn and, in the same round trip, takes its turn lock and counts the
   * turn against the session's rate limit. `busy` means another turn holds the lock.
   */
  begin(sessionId: string, lockToken: string, lockTtlMs: number): Promise<BeginResult>;
  /** Loads without locking (restoring the widget after a reload). */
  read(sessionId: string): Promise<LoadedMemory>;
  /** Stores one exchange atomically: append both messages, trim to the caps, renew TTL, bump seq, unlock. */
  append(sessionId: string, exchange: Exchange, options: AppendOptions): Promise<AppendResult>;
  /** Gives the lock back when a turn ends without storing anything. */
  release(sessionId: string, lockToken: string): Promise<void>;
  /** Replaces the rolling summary if the record still exists. */
  saveSummary(sessionId: string, summary: string): Promise<void>;
  /** Forgets the session entirely (admin delete). */
  remove(sessionId: string): Promise<void>;
}

export function unavailable(errorClass: string): LoadedMemory {
  return { status: 'unavailable', errorClass, messages: [], summary: null, seq: 0, createdAt: null };
}

/**
 * The trimming rule both stores follow (Redis mirrors it in Lua): drop the oldest exchange while the
 * window holds more than maxTurns exchanges or more than maxTokens estimated tokens.
 */
export function applyCaps(
  messages: MemoryMessage[],
  caps: Pick<MemoryCaps, 'maxTurns' | 'maxTokens'>,
): { kept: MemoryMessage[]; evicted: MemoryMessage[] } {
  let start = 0;
  let total = messages.reduce((sum, m) => sum + m.tokens, 0);
  while (start < messages.length && (messages.length - start > caps.maxTurns * 2 || total > caps.maxTokens)) {
    const drop = Math.min(2, messages.length - start);
    for (let i = 0; i < drop; i++) total -= messages[start + i]!.tokens;
    start += drop;
  }
  return { kept: messages.slice(start), evicted: messages.slice(0, start) };
}
