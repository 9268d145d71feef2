import {
  applyCaps,
  RATE_WINDOW_MS,
  SEEN_MARKER_TTL_SECONDS,
  type AppendOptions,
  type AppendResult,
  type BeginResult,
  type Exchange,
  type LoadedMemory,
  type MemoryCaps,
  type MemoryMessage,
  type MemoryStore,
} from '@/lib/memory/types';

interface LocalRecord {
  createdAt: string;
  lastActivityAt: string;
  seq: number;
  messages: MemoryMessage[];
  summary: string | null;
  expiresAt: number;
}

/**
 * The embedded default: the same rules as the Redis store (TTL, caps, one lock per session,
 * all-or-nothing append) in this process's memory. Single-process only, so for `npm run dev`
 * and tests, never for a multi-instance deployment.
 */
export class LocalMemoryStore implements MemoryStore {
  readonly kind = 'local' as const;
  private readonly records = new Map<string, LocalRecord>();
  private readonly seen = new Map<string, number>();
  private readonly locks = new Map<string, { token: string; expiresAt: number }>();
  private readonly rates = new Map<string, { started: number; resetAt: number }>();
  private nextSweepAt = 0;

  constructor(
    private readonly caps: MemoryCaps,
    private readonly clock: () => number = Date.now,
  ) {}

  async begin(sessionId: string, lockToken: string, lockTtlMs: number): Promise<BeginResult> {
    const now = this.clock();
    this.sweep(now);
    const holder = this.liveLock(sessionId, now);
    if (holder) return { kind: 'busy' };
    const limit = this.caps.turnsPerMinute ?? 0;
    if (limit > 0) {
      let window = this.rates.get(sessionId);
      if (!window || window.resetAt <= now) {
        window = { started: 0, resetAt: now + RATE_WINDOW_MS };
        this.rates.set(sessionId, window);
      }
      window.started += 1;
      if (window.started > limit) return { kind: 'rate_limited', retryAfterMs: window.resetAt - now };
    }
    this.locks.set(sessionId, { token: lockToken, expiresAt: now + lockTtlMs });
    return { kind: 'loaded', memory: this.load(sessionId, now), locked: true };
  }

  async read(sessionId: string): Promise<LoadedMemory> {
    return this.load(sessionId, this.clock());
  }

  async append(sessionId: string, exchange: Exchange, options: AppendOptions): Promise<AppendResult> {
    const now = this.clock();
    const holder = this.liveLock(sessionId, now);
    if (holder && holder.token !== options.lockToken) return { kind: 'locked' };

    const existing = options.fresh ? undefined : this.liveRecord(sessionId, now);
    const at = options.now.toISOString();
    const { kept, evicted } = applyCaps([...(existing?.messages ?? []), exchange.user, exchange.assistant], this.caps);
    const seq = (existing?.seq ?? 0) + 1;
    this.records.set(sessionId, {
      createdAt: existing?.createdAt ?? at,
      lastActivityAt: at,
      seq,
      messages: kept,
      summary: existing?.summary ?? null,
      expiresAt: now + this.caps.ttlSeconds * 1000,
    });
    this.seen.set(sessionId, now + SEEN_MARKER_TTL_SECONDS * 1000);
    this.locks.delete(sessionId);
    return { kind: 'stored', seq, evicted };
  }

  async release(sessionId: string, lockToken: string): Promise<void> {
    if (this.locks.get(sessionId)?.token === lockToken) this.locks.delete(sessionId);
  }

  async saveSummary(sessionId: string, summary: string): Promise<void> {
    const record = this.liveRecord(sessionId, this.clock());
    if (record) record.summary = summary;
  }

  async remove(sessionId: string): Promise<void> {
    this.records.delete(sessionId);
    this.seen.delete(sessionId);
    this.locks.delete(sessionId);
    this.rates.delete(sessionId);
  }

  /** Remaining time to live in ms, or -2 when the record is gone (mirrors Redis PTTL). */
  pttl(sessionId: string): number {
    const now = this.clock();
    const record = this.liveRecord(sessionId, now);
    return record ? record.expiresAt - now : -2;
  }

  /** Expired entries would otherwise stay in memory until their session came back. */
  private sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + 60_000;
    for (const [id, record] of this.records) if (record.expiresAt <= now) this.records.delete(id);
    for (const [id, until] of this.seen) if (until <= now) this.seen.delete(id);
    for (const [id, lock] of this.locks) if (lock.expiresAt <= now) this.locks.delete(id);
    for (const [id, window] of this.rates) if (window.resetAt <= now) this.rates.delete(id);
  }

  private load(sessionId: string, now: number): LoadedMemory {
    const record = this.liveRecord(sessionId, now);
    if (record) {
      return {
        status: 'ok',
        messages: record.messages.map((m) => ({ ...m })),
        summary: record.summary,
        seq: record.seq,
        createdAt: record.createdAt,
      };
    }
    const seenUntil = this.seen.get(sessionId);
    const status = seenUntil !== undefined && seenUntil > now ? 'expired' : 'new';
    return { status, messages: [], summary: null, seq: 0, createdAt: null };
  }

  private liveRecord(sessionId: string, now: number): LocalRecord | undefined {
    const record = this.records.get(sessionId);
    if (record && record.expiresAt <= now) {
      this.records.delete(sessionId);
      return undefined;
    }
    return record;
  }

  private liveLock(sessionId: string, now: number) {
    const lock = this.locks.get(sessionId);
    if (lock && lock.expiresAt <= now) {
      this.locks.delete(sessionId);
      return undefined;
    }
    return lock;
  }
}
