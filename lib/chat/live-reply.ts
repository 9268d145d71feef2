import type { Redis } from '@upstash/redis';
import type { ChatEvent } from '@/lib/chat/events';

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
    if (typeof header.auditId !== 'string' || typeof header.userText !== 'string' || typeof header.at !== 'string') return null;
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
    return `${this.keyPrefix}:v2:session:{${sessionId}}:live`;
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

  const enqueue = (work: () => Promise<void>) => {
    chain = chain.then(work).catch((error: unknown) => {
      console.warn('[tether] live reply buffer write failed:', error instanceof Error ? error.message : error);
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
    // Nothing was ever written: nobody can be tailing this reply, so there is nothing to close.
    if (!header || !written) return;
    const snapshot: LiveReply = { ...header, status, text: final, ...(error ? { error } : {}) };
    enqueue(() => store.write(sessionId, snapshot, FINISHED_TTL_SECONDS));
  };

  return (event) => {
    switch (event.event) {
      case 'meta':
        if (!event.data.replay) {
          header = { auditId: event.data.auditId, userText, at: (options.now?.() ?? new Date()).toISOString(), status: 'streaming' };
        }
        break;
      case 'delta':
        if (!header) break;
        text += event.data.text;
        pending += event.data.text;
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


