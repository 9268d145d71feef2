import { sessionRef } from '@/lib/session-ref';

/**
 * Every Redis key Tether uses (docs/memory.md): conversations, the audit stream, live replies and the
 * rate limits. One module, so the conversation store, the audit drainer, the live-reply buffer, the
 * limiter and the admin's delete agree on every name, and a layout change is made here or nowhere.
 *
 *   {prefix}:v3:s:{<ref>}         hash   v, createdAt, lastActivityAt, summary        (memory TTL)
 *   {prefix}:v3:s:{<ref>}:m       list   one JSON message per entry, oldest first     (memory TTL)
 *   {prefix}:v3:s:{<ref>}:n       hash   seq (last turn number), kept (exchanges ever stored), and the
 *                                        handoff's st so sn ss sr ev la me (docs/handoff.md)  (30 days)
 *   {prefix}:v3:s:{<ref>}:lease   string audit id of the turn in progress              (short, renewed)
 *   {prefix}:v3:s:{<ref>}:stop    string audit id the customer asked to stop
 *   {prefix}:v2:audit             stream audit records on their way to Postgres
 *   {prefix}:v2:audit:dead        list   records the drainer could not apply, with the reason
 *   {prefix}:v2:audit:lock        string the drainer that currently holds the stream
 *   {prefix}:v2:audit:open        zset   audit ids of turns begun and not yet ended (score: last sign of life, ms)
 *   {prefix}:v1:audit-outbox      list   the first release's outbox (still drained)
 *   {prefix}:v2:session:{<id>}:live  string the reply still streaming (header line + text so far)
 *   {prefix}:v1:rl:{<rule>:<key>}:<window>  string  one fixed window of a sliding-window limit
 *                                  (the per-conversation limit too: rule chat-session, key the reference)
 *
 * `<ref>` is sessionRef(session id) (lib/session-ref.ts), the name the audit also keys the session by:
 * so the admin's delete, which knows only the reference, reaches the memory too, and the key names
 * hold no bearer key. (v2 keys named the id itself; the store adopts a conversation's v2 keys the
 * first time it sees it after the upgrade: lib/conversation/redis/store.ts.)
 *
 * The braces are a hash tag: every key of one session lives in one cluster slot. The audit stream
 * is one key for all sessions, so scripts touch two slots: Tether needs a non-clustered Redis
 * (Upstash databases and a standalone redis-server both are).
 */
/** The record layout (the `v` field of the session hash) and the audit stream's keys. */
export const MEMORY_LAYOUT_VERSION = 2;
/** The session keys' names: 3 since they name the session by reference instead of id. */
export const SESSION_KEYS_VERSION = 3;

export interface SessionKeys {
  meta: string;
  messages: string;
  counter: string;
  lease: string;
  stop: string;
}

export interface AuditKeys {
  stream: string;
  dead: string;
  lock: string;
  /** Turns begun and not yet ended, scored by their last sign of life: what tells an idle drainer to look for abandoned turns. */
  open: string;
}

/** The keys of a session, given its id or its reference. */
export function sessionKeys(prefix: string, sessionIdOrRef: string): SessionKeys {
  return keysUnder(`${prefix}:v${SESSION_KEYS_VERSION}:s:{${sessionRef(sessionIdOrRef)}}`);
}

/** The previous release's names (v2: the id itself), adopted on first sight after the upgrade. */
export function legacySessionKeys(prefix: string, sessionId: string): SessionKeys {
  return keysUnder(`${prefix}:v2:s:{${sessionId}}`);
}

function keysUnder(base: string): SessionKeys {
  return {
    meta: base,
    messages: `${base}:m`,
    counter: `${base}:n`,
    lease: `${base}:lease`,
    stop: `${base}:stop`,
  };
}

export function auditKeys(prefix: string): AuditKeys {
  const base = `${prefix}:v${MEMORY_LAYOUT_VERSION}:audit`;
  return { stream: base, dead: `${base}:dead`, lock: `${base}:lock`, open: `${base}:open` };
}

/** The outbox list of the first release (v1 layout), still drained so nothing it queued is lost. */
export function legacyOutboxKey(prefix: string): string {
  return `${prefix}:v1:audit-outbox`;
}

/**
 * The reply still streaming for a session. Named by what the live-reply store is given (the id, as
 * the previous releases named it), so replies under way during a deploy stay resumable.
 */
export function liveReplyKey(prefix: string, sessionId: string): string {
  return `${prefix}:v2:session:{${sessionId}}:live`;
}

/** The counter of one fixed window of a rate rule (the hash tag keeps a rule's windows in one slot). */
export function rateWindowKey(prefix: string, rule: string, key: string, windowIndex: number): string {
  return `${prefix}:v1:rl:{${rule}:${key}}:${windowIndex}`;
}
