import type { ChatEvent } from '@/lib/chat/events';
import type { LiveHeader, LiveReply, LiveReplyStore, LiveStatus } from '@/lib/conversation/live-reply';
import { errorFields, log } from '@/lib/observability/log';
import { sessionRef } from '@/lib/session-ref';

/**
 * Delivery of a reply still being written (its storage: lib/conversation/live-reply.ts): the tee that
 * copies a turn's events into the store in batches, the hub that feeds every watcher of a reply on
 * this instance (POST /api/chat/resume), and the slots that cap how many such watchers are open.
 * The runtime builds one hub and one set of slots (lib/runtime/index.ts); nothing here is module state.
 */

export type { LiveReply, LiveReplyStore };

export const LIVE_TTL_SECONDS = 120;
/** How long a finished reply stays readable, so a tailing resume sees how it ended. */
export const FINISHED_TTL_SECONDS = 20;
export const FLUSH_INTERVAL_MS = 250;

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
  hub: LiveReplyHub,
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

  const { store } = hub;
  // Watchers on this instance read the reply from memory, not from the store (LiveReplyHub).
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

  /** One hub per store per process (the runtime's): every watcher and tee of the store meets here. */
  constructor(readonly store: LiveReplyStore) {}

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

/**
 * Resume streams open at once on this instance, per conversation and per client address: each one
 * holds a connection and a slot in the reply's feed for up to two minutes, so a flood is refused at
 * the door (429) rather than held. Per instance on purpose: what a stream costs is this instance's
 * (its socket and memory); the per-minute rate (RESUME_PER_IP_PER_MINUTE) is shared through Redis.
 */
export class StreamSlots {
  private readonly open = new Map<string, number>();

  /** Takes one slot under every [key, limit] (limit 0: no limit), or none; returns its release. */
  tryAcquire(claims: ReadonlyArray<readonly [string, number]>): (() => void) | null {
    const active = claims.filter(([, limit]) => limit > 0);
    if (active.some(([key, limit]) => (this.open.get(key) ?? 0) >= limit)) return null;
    for (const [key] of active) this.open.set(key, (this.open.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const [key] of active) {
        const left = (this.open.get(key) ?? 1) - 1;
        if (left <= 0) this.open.delete(key);
        else this.open.set(key, left);
      }
    };
  }

  count(key: string): number {
    return this.open.get(key) ?? 0;
  }
}
