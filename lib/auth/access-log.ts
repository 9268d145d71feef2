import { and, desc, eq, inArray, lt, type SQL } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { accessLog, type AccessAction, type AccessLogRow } from '@/lib/db/schema';
import type { AgentIdentity } from '@/lib/auth/identity';
import { fromDbText, toDbText } from '@/lib/db/text';
import { SESSION_REF_PATTERN, sessionRef, withSessionRefs } from '@/lib/session-ref';

/** Who did it: a signed-in agent, or an e-mail that tried to sign in as one. */
export type Actor = Pick<AgentIdentity, 'id' | 'email'> | { id: null; email: string };

export interface AccessTarget {
  sessionId?: string | null;
  auditId?: string | null;
  detail?: Record<string, unknown>;
}

/** Executes on `db` or inside a caller's transaction, so a delete and its entry commit together. */
type Executor = Pick<Database, 'insert'>;

/** What the log keeps for a session: its reference. The log must not become a list of customers' keys. */
export function loggedSession(sessionIdOrRef: string): string {
  return SESSION_REF_PATTERN.test(sessionIdOrRef) ? sessionIdOrRef : sessionRef(sessionIdOrRef);
}

/** `target.sessionId` is the session's id (or its reference); the entry stores the reference. */
export async function logAccess(db: Executor, actor: Actor, action: AccessAction, target: AccessTarget = {}): Promise<void> {
  await db.insert(accessLog).values({
    agentId: actor.id,
    agentEmail: actor.email,
    action,
    sessionId: target.sessionId ? loggedSession(target.sessionId) : null,
    auditId: target.auditId ?? null,
    detail: storableDetail(target.detail ?? {}) as Record<string, unknown>,
  });
}

/** The detail as it was logged (strings back from the stored text form). */
function readableDetail(value: unknown): unknown {
  if (typeof value === 'string') return fromDbText(value);
  if (Array.isArray(value)) return value.map(readableDetail);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [fromDbText(key), readableDetail(item)]));
  }
  return value;
}

/**
 * A detail jsonb can hold: every string in the stored text form (a search for `%00` must not fail the
 * log), and no session id in it.
 */
function storableDetail(value: unknown): unknown {
  if (typeof value === 'string') return toDbText(withSessionRefs(value));
  if (Array.isArray(value)) return value.map(storableDetail);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [toDbText(key), storableDetail(item)]));
  }
  return value;
}

export interface AccessLogQuery {
  /** Entries older than this id (keyset: ids only grow). */
  before?: number;
  /**
   * Entries about this session: its id or its reference. Entries store the reference (older ones,
   * from before references, the id: pass both to find those too).
   */
  sessionKeys?: string[];
  agentId?: string;
  action?: AccessAction;
  limit: number;
}

export interface AccessLogPage {
  entries: AccessLogRow[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
}

export async function listAccessLog(db: Database, query: AccessLogQuery): Promise<AccessLogPage> {
  const where: SQL[] = [];
  if (query.before !== undefined) where.push(lt(accessLog.id, query.before));
  if (query.sessionKeys && query.sessionKeys.length > 0) {
    where.push(inArray(accessLog.sessionId, [...new Set(query.sessionKeys.map((key) => loggedSession(key)).concat(query.sessionKeys))]));
  }
  if (query.agentId) where.push(eq(accessLog.agentId, query.agentId));
  if (query.action) where.push(eq(accessLog.action, query.action));
  const rows = await db
    .select()
    .from(accessLog)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(accessLog.id))
    .limit(query.limit + 1);
  const entries = rows.slice(0, query.limit).map((entry) => ({ ...entry, detail: readableDetail(entry.detail) as Record<string, unknown> }));
  return { entries, nextBefore: rows.length > query.limit ? (entries.at(-1)?.id ?? null) : null };
}

/** One list view per agent per filter set and page per minute (a live list re-renders every few seconds). */
export const LIST_VIEW_THROTTLE_MS = 60_000;
const THROTTLE_KEYS = 10_000;

/**
 * logAccess, at most once per key per window. The runtime keeps one (lib/runtime/index.ts), so the memory is
 * per process: with several instances an agent's view can be logged once per instance per window,
 * which errs towards more entries, never fewer.
 */
export class AccessLogThrottle {
  /** When each (actor, action, key) was last logged, oldest first. */
  private readonly seen = new Map<string, number>();

  /** Returns whether an entry was written. */
  async log(
    db: Executor,
    actor: Actor,
    action: AccessAction,
    target: AccessTarget,
    key: string,
    now: number = Date.now(),
    windowMs: number = LIST_VIEW_THROTTLE_MS,
  ): Promise<boolean> {
    const seen = this.seen;
    const full = `${actor.id ?? actor.email}\u0001${action}\u0001${key}`;
    const last = seen.get(full);
    if (last !== undefined && now - last < windowMs) return false;
    await logAccess(db, actor, action, target);
    seen.delete(full);
    seen.set(full, now);
    // Oldest first (insertion order): forget the oldest keys past the bound.
    for (const old of seen.keys()) {
      if (seen.size <= THROTTLE_KEYS) break;
      seen.delete(old);
    }
    return true;
  }
}
