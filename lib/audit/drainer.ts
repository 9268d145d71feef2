import type { Database } from '@/lib/db/client';
import { abandonUnfinished, type LeaseChecker } from '@/lib/audit/abandon';
import type { DeadLetters } from '@/lib/audit/dead-letters';
import type { FileAuditOutbox } from '@/lib/audit/outbox';
import { nextStreamId, type RedisAuditStream } from '@/lib/audit/redis-stream';
import type { AuditSink } from '@/lib/audit/sink';
import { parseLegacyLine, parseStreamEntry, streamFields, type AuditEntry, type ParsedEntry } from '@/lib/audit/types';
import { withSpan } from '@/lib/observability/tracing';
import { withTimeout } from '@/lib/timeout';
import { errorText } from '@/lib/errors';

export interface DrainReport {
  /** Entries written to Postgres. */
  applied: number;
  /** Entries kept in the dead letters with their reason. */
  deadLettered: number;
  /** Pending turns marked abandoned. */
  abandoned: number;
  /** Entries still waiting (stream + outbox files), after this pass. */
  remaining: number;
  /** Why this pass did not drain the stream: another drainer holds it, or Postgres or Redis failed. */
  blocked: null | { reason: 'locked' | 'database' | 'stream'; detail: string };
}

export interface DrainerOptions {
  sink: AuditSink;
  database: () => Promise<Database>;
  deadLetters: DeadLetters;
  outbox: FileAuditOutbox;
  /** The audit stream; null on the embedded default (entries are written directly). */
  stream: RedisAuditStream | null;
  leases: LeaseChecker;
  batchSize?: number;
  /** A pending turn older than this whose lease is gone is abandoned. */
  abandonAfterMs: number;
  lockMs?: number;
  /** A batch that Postgres has not taken after this long is retried later (a cut connection can hang). */
  applyTimeoutMs?: number;
}

const DEFAULT_BATCH = 500;
const DATABASE_COOLDOWN_MS = 1000;
const NUDGE_DELAY_MS = 50;
/**
 * Passes started by nudges are at least this far apart: at one turn a second, every other pass
 * drains two turns (one Redis request for both), and a turn's rows are still in Postgres within
 * ~1.5 s of its end. Under load a pass drains every turn that ended meanwhile, in one transaction.
 */
export const DRAIN_SPACING_MS = 1500;
/**
 * With no traffic, the loop looks at the stream this often: one Redis request (trim, read, legacy
 * list length and stale open turns in one script), no Postgres query unless there is something to
 * do. It bounds how long a crashed instance's entries wait for another instance (DRAIN_SWEEP_MS),
 * and its unfinished turns for being marked abandoned (abandonAfterMs + DRAIN_SWEEP_MS).
 */
export const DRAIN_SWEEP_MS = 30_000;

/**
 * Moves audit entries to Postgres: from the audit stream (under the drainer lock, in batches),
 * from the outbox file and the first release's outbox list, then abandons turns that never finished.
 * `drainOnce` is one bounded pass (serverless: after() and the cron route); `start` keeps a loop
 * running on a long-lived server. Unreadable or refused entries go to the dead letters, never away.
 */
export class AuditDrainer {
  private running: Promise<DrainReport> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private again = false;
  private nudged = false;
  private idleMs = DRAIN_SWEEP_MS;
  private stopped = true;
  /** One-off passes (serverless, the drain command): abandon at most this often, as before. */
  private nextAbandonAt = 0;
  /** The loop: an abandon pass is due at this time (after start, after pending entries from the outbox file). */
  private abandonDueAt: number | null = null;
  /** Open turns older than abandonAfterMs, as the last take counted them. */
  private staleOpenTurns = 0;
  /** The cutoff of the last abandon pass: the next take forgets the open turns before it. */
  private forgetBefore: number | undefined;
  private lastPassAt = 0;
  /** A nudge asked for a pass that has not drained yet (a locked stream is tried again soon). */
  private wanted = false;
  /** A handoff change or an agent's message is waiting: the next pass does not wait for the spacing. */
  private urgent = false;
  private failures = 0;
  /** How long the lock that blocked the last pass had left. */
  private lockedForMs = 0;
  /** Everything before this stream id is applied but not yet trimmed: the next take trims it in its round trip. */
  private trimBelow = '';
  private appliedCount = 0;
  /** After Postgres failed, passes skip it for a moment: a driver reconnecting with backoff would stall each one. */
  private databaseDownUntil = 0;

  constructor(private readonly options: DrainerOptions) {}

  /** One pass, never two at once in this process. Never throws: problems are in the report. */
  drainOnce(maxBatches = 20): Promise<DrainReport> {
    this.running ??= this.pass(maxBatches).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Passes until nothing is left or a pass is blocked (tests, the drain command). */
  async drainUntilEmpty(maxPasses = 50): Promise<DrainReport> {
    const total: DrainReport = { applied: 0, deadLettered: 0, abandoned: 0, remaining: 0, blocked: null };
    for (let i = 0; i < maxPasses; i++) {
      const report = await this.drainOnce();
      total.applied += report.applied;
      total.deadLettered += report.deadLettered;
      total.abandoned += report.abandoned;
      total.remaining = report.remaining;
      total.blocked = report.blocked;
      if (report.blocked || report.remaining === 0) break;
    }
    return total;
  }

  /**
   * Keeps draining in this process: soon after a nudge, else a sweep every `idleMs` (DRAIN_SWEEP_MS);
   * backs off on failure. Abandoned turns are looked for once abandonAfterMs after the start (turns a
   * crash left before this process ran), then only when the stream's open-turn set shows stale ones.
   */
  start(idleMs = DRAIN_SWEEP_MS): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.idleMs = idleMs;
    this.abandonDueAt = Date.now() + this.options.abandonAfterMs;
    this.schedule(0, idleMs);
  }

  /**
   * A turn just ended: drain soon. Nudges within NUDGE_DELAY_MS share one pass (one transaction),
   * which is what keeps Postgres off the per-turn cost under load. `urgent` (a handoff change or an
   * agent's message, which people are waiting to see in the inbox and transcripts) does not wait for
   * DRAIN_SPACING_MS: such changes are rare, and the inbox's "within 2 s" rests on them.
   */
  nudge(urgent = false): void {
    if (this.stopped) return;
    this.wanted = true;
    if (urgent) this.urgent = true;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    if (this.nudged && !urgent) return;
    this.nudged = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.schedule(this.spacedDelay(), this.idleMs);
  }

  /** How long until the next nudged pass may start (DRAIN_SPACING_MS after the previous one). */
  private spacedDelay(): number {
    if (this.urgent) return NUDGE_DELAY_MS;
    return Math.max(NUDGE_DELAY_MS, this.lastPassAt + DRAIN_SPACING_MS - Date.now());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    const stream = this.options.stream;
    if (stream && this.trimBelow) await stream.ack(this.trimBelow).catch(() => undefined);
    this.trimBelow = '';
    this.appliedCount = 0;
    await stream?.release().catch(() => undefined);
  }

  private schedule(delayMs: number, idleMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.nudged = false;
      this.urgent = false;
      this.lastPassAt = Date.now();
      void this.drainOnce().then((report) => {
        if (this.stopped) return;
        this.failures = report.blocked && report.blocked.reason !== 'locked' ? this.failures + 1 : 0;
        const busy = this.again || report.remaining > 0;
        this.again = false;
        if (!report.blocked) this.wanted = false;
        let delay = idleMs;
        if (this.failures > 0) delay = Math.min(1000 * 2 ** this.failures, 10_000, idleMs);
        else if (report.blocked?.reason === 'locked' && this.wanted) delay = Math.min(this.lockedForMs + NUDGE_DELAY_MS, idleMs);
        else if (busy && !report.blocked) delay = this.spacedDelay();
        this.schedule(delay, idleMs);
      });
    }, delayMs);
    // A drain loop must never keep a process alive by itself (tests, scripts, shutdown).
    this.timer.unref?.();
  }

  private pass(maxBatches: number): Promise<DrainReport> {
    return withSpan('tether.audit.drain', {}, async (span) => {
      const report = await this.drainPass(maxBatches);
      span.setAttributes({
        'tether.audit.applied': report.applied,
        'tether.audit.dead_lettered': report.deadLettered,
        'tether.audit.abandoned': report.abandoned,
        'tether.audit.remaining': report.remaining,
        ...(report.blocked ? { 'tether.audit.blocked': report.blocked.reason } : {}),
      });
      return report;
    });
  }

  private async drainPass(maxBatches: number): Promise<DrainReport> {
    const report: DrainReport = { applied: 0, deadLettered: 0, abandoned: 0, remaining: 0, blocked: null };
    const batchSize = this.options.batchSize ?? DEFAULT_BATCH;
    const stream = this.options.stream;
    if (Date.now() < this.databaseDownUntil) {
      report.blocked = { reason: 'database', detail: 'Postgres failed a moment ago; waiting before the next try' };
      report.remaining = await this.remaining().catch(() => 0);
      return report;
    }
    try {
      await this.options.database();
    } catch (error) {
      this.databaseDownUntil = Date.now() + DATABASE_COOLDOWN_MS;
      report.blocked = { reason: 'database', detail: errorText(error) };
      report.remaining = await this.remaining().catch(() => 0);
      return report;
    }
    let streamLeft: number | null = 0;
    let filesLeft: number | null = 0;
    try {
      if (stream) streamLeft = await this.drainStream(stream, batchSize, maxBatches, report);
      if (!report.blocked) filesLeft = await this.drainOutbox(batchSize, report);
      // Only once the stream is read to its end: every pending entry of a stale turn is in Postgres.
      if (!report.blocked && streamLeft === 0 && this.abandonWanted()) {
        const now = Date.now();
        this.nextAbandonAt = now + Math.min(5000, this.options.abandonAfterMs / 2);
        const db = await this.options.database();
        report.abandoned = await withTimeout(
          abandonUnfinished(db, this.options.leases, { olderThanMs: this.options.abandonAfterMs, limit: batchSize, now: new Date(now) }),
          this.options.applyTimeoutMs ?? 15_000,
          'abandoning unfinished turns',
        );
        this.abandonDueAt = null;
        this.staleOpenTurns = 0;
        // Settled (ended, abandoned, or still leased and so renewed past the cutoff): the next take forgets them.
        this.forgetBefore = now - this.options.abandonAfterMs;
      }
    } catch (error) {
      if (!report.blocked) {
        this.databaseDownUntil = Date.now() + DATABASE_COOLDOWN_MS;
        report.blocked = { reason: 'database', detail: errorText(error) };
      }
    }
    // Counted only when this pass cannot tell (it was blocked, or left a full batch behind); not for
    // the loop's pass that found the stream locked (another instance is draining: a request for nothing).
    const lockedLoop = !this.stopped && report.blocked?.reason === 'locked';
    report.remaining =
      (streamLeft === 0 && filesLeft === 0 && !report.blocked) || lockedLoop
        ? 0
        : await this.remaining().catch(() => report.remaining);
    return report;
  }

  /**
   * The loop asks Postgres only when there may be something to abandon: stale open turns in the
   * stream's set, or a due check (after start; after pending entries from the outbox file). One-off
   * passes (serverless after() and cron, the drain command) keep their cadence: at most every 5 s.
   */
  private abandonWanted(): boolean {
    if (this.stopped) return Date.now() >= this.nextAbandonAt;
    return this.staleOpenTurns > 0 || (this.abandonDueAt !== null && Date.now() >= this.abandonDueAt);
  }

  private async drainStream(stream: RedisAuditStream, batchSize: number, maxBatches: number, report: DrainReport): Promise<number | null> {
    const lockMs = this.options.lockMs ?? 5000;
    let left: number | null = 0;
    let legacyLength = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      let taken;
      try {
        // Entries applied by the last batch (of this pass or the previous one) are trimmed by this call.
        taken = await stream.take(batchSize, lockMs, {
          trimBelow: this.trimBelow,
          staleBefore: Date.now() - this.options.abandonAfterMs,
          forgetBefore: this.forgetBefore,
        });
        this.trimBelow = '';
        this.appliedCount = 0;
        this.forgetBefore = undefined;
      } catch (error) {
        report.blocked = { reason: 'stream', detail: errorText(error) };
        return null;
      }
      if ('lockedForMs' in taken) {
        this.lockedForMs = taken.lockedForMs;
        report.blocked = { reason: 'locked', detail: 'another drainer holds the audit stream' };
        return null;
      }
      const { entries } = taken;
      legacyLength = taken.legacyLength;
      this.staleOpenTurns = taken.staleOpenTurns;
      if (entries.length === 0) {
        left = 0;
        break;
      }
      const parsed = entries.map((entry) => parseStreamEntry(entry.fields));
      const done = await this.applyParsed(parsed, entries.map((e) => JSON.stringify({ id: e.id, ...e.fields })), 'stream', report);
      // Trimmed with the next take: applying twice (a crash before that) changes nothing.
      const last = entries[done - 1];
      if (last) {
        this.trimBelow = nextStreamId(last.id);
        this.appliedCount = done;
      }
      // A short batch emptied the stream (what arrived since is the next pass's); a full one may have left more.
      left = entries.length < batchSize ? 0 : null;
      if (left === 0) break;
    }
    // The first release's outbox list: read only when the take saw entries in it.
    if (legacyLength > 0) {
      const legacy = await stream.readLegacy(batchSize);
      if (legacy.length > 0) {
        const done = await this.applyParsed(legacy.map(parseLegacyLine), legacy, 'redis-outbox-v1', report);
        await stream.ackLegacy(done);
        left = null;
      }
    }
    return left;
  }

  private async drainOutbox(batchSize: number, report: DrainReport): Promise<number> {
    const result = await this.options.outbox.drain((parsed, lines) => this.applyParsed(parsed, lines, 'outbox-file', report), batchSize);
    return result.remaining;
  }

  /**
   * Applies what parsed, dead-letters what did not or what Postgres refused. Returns how many of the
   * entries are settled (all of them, or none when Postgres failed: they stay queued).
   */
  private async applyParsed(parsed: ParsedEntry[], raw: string[], source: string, report: DrainReport): Promise<number> {
    const good: AuditEntry[] = [];
    const dead: { source: string; reason: string; payload: string }[] = [];
    parsed.forEach((item, i) => {
      if (item.ok) good.push(item.entry);
      else dead.push({ source, reason: item.reason, payload: raw[i] ?? '' });
    });
    const result =
      good.length > 0
        ? await withSpan(
            'tether.audit.write',
            { 'tether.audit.via': source, 'tether.audit.entries': good.length, 'tether.turn.statuses': statusesOf(good) },
            () => withTimeout(this.options.sink.apply(good), this.options.applyTimeoutMs ?? 15_000, 'audit batch'),
          )
        : { applied: 0, rejected: [] };
    // Pending entries that came by the outbox file have no open-turn mark in Redis: check them later.
    if (!this.stopped && source === 'outbox-file' && good.some((entry) => entry.kind === 'pending'))
      this.abandonDueAt ??= Date.now() + this.options.abandonAfterMs;
    for (const item of result.rejected) {
      dead.push({ source, reason: item.reason, payload: JSON.stringify(streamFields(item.entry)) });
    }
    await withTimeout(this.options.deadLetters.add(dead), this.options.applyTimeoutMs ?? 15_000, 'dead-lettering');
    report.applied += result.applied;
    report.deadLettered += dead.length;
    return parsed.length;
  }

  /** Entries still on their way to Postgres (the stream and the outbox file). */
  backlog(): Promise<number> {
    return this.remaining();
  }

  private async remaining(): Promise<number> {
    const [queued, files] = await Promise.all([
      this.options.stream ? this.options.stream.length() : Promise.resolve(0),
      this.options.outbox.size(),
    ]);
    return Math.max(0, queued - this.appliedCount) + files;
  }
}

/** The statuses in a batch, sorted (a span attribute: which kinds of entries were written). */
function statusesOf(entries: AuditEntry[]): string[] {
  return entries.map((entry) => (entry.kind === 'pending' || entry.kind === 'final' ? entry.record.status : entry.kind)).sort();
}
