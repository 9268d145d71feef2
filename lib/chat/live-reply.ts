import type { Redis } from '@upstash/redis';
import type { ChatEvent } from '@/lib/chat/events';
import { errorFields, log } from '@/lib/observability/log';
import { liveReplyKey } from '@/lib/redis/keys';
import { sessionRef } from '@/lib/session-ref';

/**
 * The reply still being written, kept for its short life so a page reloaded mid-reply can pick it
 * up (POST /api/chat/resume). One value per session, its first line a JSON header, the rest the
 * text so far:
 *   {prefix}:v2:session:{<id>}:live   string  `{"auditId","userText","at","status"}\n<text>`  (EX)
 * Deltas are batched: the first write happens ~250 ms after the first delta, later ones APPEND;
 * a reply that ends before the first write costs no request at all, a longer one one more at the end.
 */

export type LiveStatus = 'streaming' | 'done' | 'failed';

export interface LiveHeader {
  auditId: string;
  userText: string;
  at: string;
  status: LiveStatus;
  /** For a failed reply: the customer-facing code and message of the `error` event. */
  error?: { code: string; message: string };
}

export interface LiveReply extends LiveHeader {
  text: string;
}

export interface LiveReplyStore {
  /** Replaces whatever the session held with this reply so far. */
  write(sessionId: string, reply: LiveReply, ttlSeconds: number): Promise<void>;
  /** Adds text to the session's live reply (written before by `write`). */
  append(sessionId: string, text: string, ttlSeconds: number): Promise<void>;
  read(sessionId: string): Promise<LiveReply | null>;
}

export const LIVE_TTL_SECONDS = 120;
/** How long a finished reply stays readable, so a tailing resume sees how it ended. */
export const FINISHED_TTL_SECONDS = 20;
export const FLUSH_INTERVAL_MS = 250;

export function encodeLive(reply: LiveReply): string {
  const { text, ...header } = reply;
  return `${JSON.stringify(header)}\n${text}`;
}

export function decodeLive(raw: string | null | undefined): LiveReply | null {
  if (typeof raw !== 'string') return null;
  const newline = raw.indexOf('\n');
  if (newline < 0) return null;
  try {
    const header = JSON.parse(raw.slice(0, newline)) as Partial<LiveHeader>;
    if (typeof header.auditId !== 'string' || typeof header.userText !== 'string' || typeof header.at !== 'string')
      return null;
    if (header.status !== 'streaming' && header.status !== 'done' && header.status !== 'failed') return null;
    return { ...(header as LiveHeader), text: raw.slice(newline + 1) };
  } catch {
    return null;
  }
}

/** The Redis commands this store needs, so tests can pass any client. */
export type LiveRedis = Pick<Redis, 'set' | 'get' | 'append' | 'expire' | 'multi'>;

export class RedisLiveReplyStore implements LiveReplyStore {
  constructor(
    private readonly redis: LiveRedis,
    private readonly keyPrefix: string,
  ) {}

  private key(sessionId: string): string {
    return liveReplyKey(this.keyPrefix, sessionId);
  }

  async write(sessionId: string, reply: LiveReply, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(sessionId), encodeLive(reply), { ex: ttlSeconds });
  }

  async append(sessionId: string, text: string, ttlSeconds: number): Promise<void> {
    // One request: APPEND and the TTL refresh together.
    await this.redis.multi().append(this.key(sessionId), text).expire(this.key(sessionId), ttlSeconds).exec();
  }

  async read(sessionId: string): Promise<LiveReply | null> {
    return decodeLive(await this.redis.get<string>(this.key(sessionId)));
  }
}

/** The embedded default: one process, so a Map with expiry times is the whole story. */
export class LocalLiveReplyStore implements LiveReplyStore {
  private readonly entries = new Map<string, { value: LiveReply; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async write(sessionId: string, reply: LiveReply, ttlSeconds: number): Promise<void> {
    this.sweep();
    this.entries.set(sessionId, { value: { ...reply }, expiresAt: this.now() + ttlSeconds * 1000 });
  }

  async append(sessionId: string, text: string, ttlSeconds: number): Promise<void> {
    const entry = this.live(sessionId);
    if (!entry) return;
    entry.value.text += text;
    entry.expiresAt = this.now() + ttlSeconds * 1000;
  }

  async read(sessionId: string): Promise<LiveReply | null> {
    const entry = this.live(sessionId);
    return entry ? { ...entry.value } : null;
  }

  private live(sessionId: string) {
    const entry = this.entries.get(sessionId);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(id);
  }
}

export interface TeeTimers {
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

const realTimers: TeeTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Copies one turn's SSE events into the live store, in batches. Failures are logged and ignored:
 * the live buffer is a convenience for reloads, never a reason to fail a reply.
 */
export function createLiveReplyTee(
  store: LiveReplyStore,
  sessionId: string,
  userText: string,
  options: { now?: () => Date; timers?: TeeTimers; intervalMs?: number } = {},
): (event: ChatEvent) => void {
  const timers = options.timers ?? realTimers;
  const interval = options.intervalMs ?? FLUSH_INTERVAL_MS;
  let header: LiveHeader | null = null;
  let text = '';
  let pending = '';
  let written = false;
  let timer: unknown = null;
  let chain: Promise<void> = Promise.resolve();

  // Watchers on this instance read the reply from memory, not from the store (LiveReplyHub).
  const hub = liveReplyHub(store);
  const publish = (reply: LiveReply) => hub.publishLocal(sessionId, reply);

  const enqueue = (work: () => Promise<void>) => {
    chain = chain.then(work).catch((error: unknown) => {
      log.warn('live reply buffer write failed', { session: sessionRef(sessionId), ...errorFields(error) });
    });
  };

  const flush = () => {
    timer = null;
    if (!header || pending === '') return;
    const chunk = pending;
    pending = '';
    if (!written) {
      written = true;
      const snapshot: LiveReply = { ...header, text };
      enqueue(() => store.write(sessionId, snapshot, LIVE_TTL_SECONDS));
    } else {
      enqueue(() => store.append(sessionId, chunk, LIVE_TTL_SECONDS));
    }
  };

  const finish = (status: LiveStatus, final: string, error?: LiveHeader['error']) => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
    if (header) {
      publish({ ...header, status, text: final, ...(error ? { error } : {}) });
      hub.forgetLocalLater(sessionId, header.auditId, FINISHED_TTL_SECONDS * 1000);
    }
    // Nothing was ever written: nobody can be tailing this reply, so there is nothing to close.
    if (!header || !written) return;
    const snapshot: LiveReply = { ...header, status, text: final, ...(error ? { error } : {}) };
    enqueue(() => store.write(sessionId, snapshot, FINISHED_TTL_SECONDS));
  };

  return (event) => {
    switch (event.event) {
      case 'meta':
        if (!event.data.replay) {
          header = {
            auditId: event.data.auditId,
            userText,
            at: (options.now?.() ?? new Date()).toISOString(),
            status: 'streaming',
          };
          publish({ ...header, text: '' });
        }
        break;
      case 'delta':
        if (!header) break;
        text += event.data.text;
        pending += event.data.text;
        publish({ ...header, text });
        timer ??= timers.setTimeout(flush, interval);
        break;
      case 'done':
        finish('done', event.data.reply);
        break;
      case 'error':
        finish('failed', text, event.data);
        break;
    }
  };
}

/**
 * One reader per live reply per instance, however many pages follow it (POST /api/chat/resume):
 * every watcher of (session, auditId) on this instance waits on one shared entry, fed
 * - from memory when the turn runs in this process (the tee publishes each delta here: no store
 *   request at all), or
 * - by one poll loop that reads the store every `pollMs` while anyone watches (a turn running on
 *   another instance), so N watchers cost one GET per interval, not N.
 */
export interface WatchOptions {
  pollMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface LiveSubscription {
  /** The newest snapshot not yet seen (null: no such reply); undefined when `until` passed or `signal` aborted first. */
  next(until: number, signal?: AbortSignal): Promise<LiveReply | null | undefined>;
  close(): void;
}

interface Watch {
  sessionId: string;
  auditId: string;
  watchers: number;
  version: number;
  latest: LiveReply | null | undefined;
  waiters: Set<() => void>;
}

const changed = (before: LiveReply | null | undefined, after: LiveReply | null): boolean =>
  before === undefined ||
  (before === null) !== (after === null) ||
  (before !== null &&
    after !== null &&
    (before.status !== after.status || before.text.length !== after.text.length || before.auditId !== after.auditId));

export class LiveReplyHub {
  private readonly watches = new Map<string, Watch>();
  /** Replies of turns running in this process, by session (the latest turn of each). */
  private readonly local = new Map<string, LiveReply>();
  private readonly forgetTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Store reads made by poll loops (for tests and docs/security.md's figures). */
  storeReads = 0;

  constructor(private readonly store: LiveReplyStore) {}

  private static key(sessionId: string, auditId: string): string {
    return `${sessionId}\n${auditId}`;
  }

  /** Open watches (distinct replies followed on this instance). */
  get size(): number {
    return this.watches.size;
  }

  publishLocal(sessionId: string, reply: LiveReply): void {
    const pending = this.forgetTimers.get(sessionId);
    if (pending) {
      clearTimeout(pending);
      this.forgetTimers.delete(sessionId);
    }
    this.local.set(sessionId, reply);
    const watch = this.watches.get(LiveReplyHub.key(sessionId, reply.auditId));
    if (watch) this.set(watch, reply);
  }

  /** A finished reply stays readable from memory as long as the store keeps it, then goes. */
  forgetLocalLater(sessionId: string, auditId: string, ms: number): void {
    const timer = setTimeout(() => {
      this.forgetTimers.delete(sessionId);
      if (this.local.get(sessionId)?.auditId === auditId) this.local.delete(sessionId);
    }, ms);
    timer.unref?.();
    this.forgetTimers.set(sessionId, timer);
  }

  watch(sessionId: string, auditId: string, options: WatchOptions): LiveSubscription {
    const key = LiveReplyHub.key(sessionId, auditId);
    let watch = this.watches.get(key);
    if (!watch) {
      watch = { sessionId, auditId, watchers: 0, version: 0, latest: undefined, waiters: new Set() };
      this.watches.set(key, watch);
      void this.feed(key, watch, options);
    }
    const own = watch;
    own.watchers += 1;
    let seen = 0;
    let closed = false;
    return {
      next: async (until, signal) => {
        if (own.version === seen && !signal?.aborted) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, Math.max(0, until - Date.now()));
            function done() {
              clearTimeout(timer);
              own.waiters.delete(done);
              signal?.removeEventListener('abort', done);
              resolve();
            }
            own.waiters.add(done);
            signal?.addEventListener('abort', done, { once: true });
          });
        }
        if (own.version === seen) return undefined;
        seen = own.version;
        return own.latest ?? null;
      },
      close: () => {
        if (closed) return;
        closed = true;
        own.watchers -= 1;
        if (own.watchers === 0 && this.watches.get(key) === own) this.watches.delete(key);
      },
    };
  }

  private set(watch: Watch, reply: LiveReply | null): void {
    if (!changed(watch.latest, reply)) return;
    watch.latest = reply;
    watch.version += 1;
    const waiters = [...watch.waiters];
    watch.waiters.clear();
    for (const wake of waiters) wake();
  }

  private localFor(watch: Watch): LiveReply | undefined {
    const local = this.local.get(watch.sessionId);
    return local && local.auditId === watch.auditId ? local : undefined;
  }

  /** The one loop per watched reply: memory when the turn is ours, else one store read per interval. */
  private async feed(key: string, watch: Watch, options: WatchOptions): Promise<void> {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    while (this.watches.get(key) === watch) {
      let reply: LiveReply | null | undefined = this.localFor(watch);
      if (!reply) {
        this.storeReads += 1;
        const read = await this.store.read(watch.sessionId).catch(() => null);
        // A delta published while the read was on its way is newer than what the store said.
        reply = this.localFor(watch) ?? (read && read.auditId === watch.auditId ? read : null);
      }
      this.set(watch, reply);
      if (reply === null || reply.status !== 'streaming') return;
      await sleep(options.pollMs);
    }
  }
}

const hubs = globalThis as typeof globalThis & { __tetherLiveHubs?: WeakMap<LiveReplyStore, LiveReplyHub> };

/** The hub of one store (one per runtime); on globalThis so every copy of this module shares it. */
export function liveReplyHub(store: LiveReplyStore): LiveReplyHub {
  hubs.__tetherLiveHubs ??= new WeakMap();
  let hub = hubs.__tetherLiveHubs.get(store);
  if (!hub) {
    hub = new LiveReplyHub(store);
    hubs.__tetherLiveHubs.set(store, hub);
  }
  return hub;
}
