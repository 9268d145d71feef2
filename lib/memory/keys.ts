/**
 * The Redis layout of short-term memory and of the audit stream (docs/memory.md). One module, so
 * the memory store, the audit drainer and the admin's delete agree on every name.
 *
 *   {prefix}:v2:s:{<id>}          hash   v, createdAt, lastActivityAt, summary        (memory TTL)
 *   {prefix}:v2:s:{<id>}:m        list   one JSON message per entry, oldest first     (memory TTL)
 *   {prefix}:v2:s:{<id>}:n        hash   seq (last turn number), kept (exchanges ever stored) (30 days)
 *   {prefix}:v2:s:{<id>}:lease    string audit id of the turn in progress              (short, renewed)
 *   {prefix}:v2:s:{<id>}:rate     string turns started in the current minute
 *   {prefix}:v2:s:{<id>}:stop     string audit id the customer asked to stop
 *   {prefix}:v2:audit             stream audit records on their way to Postgres
 *   {prefix}:v2:audit:dead        list   records the drainer could not apply, with the reason
 *   {prefix}:v2:audit:lock        string the drainer that currently holds the stream
 *
 * The braces are a hash tag: every key of one session lives in one cluster slot. The audit stream
 * is one key for all sessions, so scripts touch two slots: Tether needs a non-clustered Redis
 * (Upstash databases and a standalone redis-server both are).
 */
export const MEMORY_LAYOUT_VERSION = 2;

export interface SessionKeys {
  meta: string;
  messages: string;
  counter: string;
  lease: string;
  rate: string;
  stop: string;
}

export interface AuditKeys {
  stream: string;
  dead: string;
  lock: string;
}

export function sessionKeys(prefix: string, sessionId: string): SessionKeys {
  const base = `${prefix}:v${MEMORY_LAYOUT_VERSION}:s:{${sessionId}}`;
  return {
    meta: base,
    messages: `${base}:m`,
    counter: `${base}:n`,
    lease: `${base}:lease`,
    rate: `${base}:rate`,
    stop: `${base}:stop`,
  };
}

export function auditKeys(prefix: string): AuditKeys {
  const base = `${prefix}:v${MEMORY_LAYOUT_VERSION}:audit`;
  return { stream: base, dead: `${base}:dead`, lock: `${base}:lock` };
}

/** The outbox list of the first release (v1 layout), still drained so nothing it queued is lost. */
export function legacyOutboxKey(prefix: string): string {
  return `${prefix}:v1:audit-outbox`;
}
