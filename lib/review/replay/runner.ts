import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, isNotNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { datasetItems, replayResults, replayRuns, type ReplayRunRow, type ReplayState, turns } from '@/lib/db/schema';
import { toDbText } from '@/lib/db/text';
import { estimateCost, type ModelPrices } from '@/lib/model/prices';
import { modelErrorOf } from '@/lib/model/types';
import { errorFields, log } from '@/lib/observability/log';
import { candidateMessages, verifiedMessages } from '@/lib/review/replay/messages';
import type { ReplayModels } from '@/lib/review/replay/models';

/**
 * Runs replays in the background, one run at a time per instance, each item in turn:
 *
 * - A run is taken with a Postgres lease (replay_runs.lease_owner / lease_until, renewed before every
 *   item and while a call is in flight): of two instances one takes it; a run whose runner died (its
 *   lease ran out) is taken again and goes on after the items it already has results for.
 * - Before every call: the cancel request and the budget (tokens and/or dollars) are read; a cancelled
 *   or spent run makes no further call. While a call is in flight the cancel request is polled (and
 *   an in-process cancel aborts at once), so the call in flight is aborted too.
 * - Calls are rate-limited per instance (REPLAY_CALLS_PER_MINUTE, a sliding minute).
 * - Reads turns; writes only replay_runs and replay_results. Never the turns table, the audit trail
 *   or a customer's memory: the model client is called directly, not through a conversation.
 */
export interface ReplayRunnerOptions {
  database: () => Promise<Database>;
  models: ReplayModels;
  prices: ModelPrices;
  /** 0: no limit. */
  callsPerMinute: number;
  /** This instance's name in lease_owner. */
  owner?: string;
  leaseMs?: number;
  /** How often a call in flight checks for a cancel made on another instance. */
  cancelPollMs?: number;
}

const MINUTE_MS = 60_000;

export class ReplayRunner {
  readonly owner: string;
  readonly models: ReplayModels;
  private readonly leaseMs: number;
  private readonly cancelPollMs: number;
  private active: Promise<void> | null = null;
  private again = false;
  /** Some run was queued or running when last looked: keep looking (start()). */
  private watching = false;
  private closed = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The call in flight, per run, so a cancel on this instance aborts it at once. */
  private readonly inFlight = new Map<string, AbortController>();
  /** Start times of this instance's recent calls (the rate limit's sliding minute). */
  private readonly calls: number[] = [];

  constructor(private readonly options: ReplayRunnerOptions) {
    this.owner = options.owner ?? `replay-${randomUUID()}`;
    this.models = options.models;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.cancelPollMs = options.cancelPollMs ?? 250;
  }

  /**
   * Runs every queued run (and any whose runner died) until none is left; one loop per instance, so a
   * kick while it runs only makes it look again when it is done. Resolves when the loop ends.
   */
  kick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.again = true;
    this.active ??= this.loop().finally(() => {
      this.active = null;
    });
    return this.active;
  }

  /**
   * A long-lived server also looks for work now and then (a run left by a dead instance, a kick
   * missed), but only while it knows of unfinished runs: an idle server makes no Postgres query
   * (tests/production/idle-cost.test.ts). It looks once at start; a start or a progress view kicks it.
   */
  start(intervalMs = 5000): void {
    if (this.timer) return;
    this.watching = true;
    this.timer = setInterval(() => {
      if (this.watching) void this.kick();
    }, intervalMs);
    this.timer.unref?.();
  }

  /** Aborts the call in flight of a run this instance is running (the cancel request is already stored). */
  cancelLocal(runId: string): void {
    this.inFlight.get(runId)?.abort(new Error('replay cancelled'));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const controller of this.inFlight.values()) controller.abort(new Error('runner closed'));
    await this.active?.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    while (this.again && !this.closed) {
      this.again = false;
      for (;;) {
        if (this.closed) return;
        let run: ReplayRunRow | null;
        try {
          run = await this.claim();
        } catch (error) {
          log.warn('replay: could not look for runs', errorFields(error));
          return;
        }
        if (!run) {
          // Runs another instance holds: look again later, in case it dies.
          this.watching = await this.anyUnfinished().catch(() => true);
          break;
        }
        this.watching = true;
        await this.runOne(run).catch(async (error: unknown) => {
          log.error('replay run failed', { runId: run.id, ...errorFields(error) });
          await this.finish(run.id, 'failed', 'internal_error').catch(() => undefined);
        });
      }
    }
  }

  /** Takes the oldest queued run, or one whose lease ran out; of two instances at once one gets it. */
  async claim(): Promise<ReplayRunRow | null> {
    const db = await this.options.database();
    const takeable = or(
      eq(replayRuns.state, 'queued'),
      and(eq(replayRuns.state, 'running'), or(lt(replayRuns.leaseUntil, sql`now()`), sql`${replayRuns.leaseUntil} is null`)),
    );
    const next = db
      .select({ id: replayRuns.id })
      .from(replayRuns)
      .where(takeable)
      .orderBy(asc(replayRuns.createdAt))
      .limit(1)
      .for('update', { skipLocked: true });
    const [run] = await db
      .update(replayRuns)
      .set({
        state: 'running',
        leaseOwner: this.owner,
        leaseUntil: sql`now() + ${this.leaseMs} * interval '1 millisecond'`,
        startedAt: sql`coalesce(${replayRuns.startedAt}, now())`,
      })
      .where(and(inArray(replayRuns.id, next), takeable))
      .returning();
    return run ?? null;
  }

  private async anyUnfinished(): Promise<boolean> {
    const db = await this.options.database();
    const [row] = await db
      .select({ id: replayRuns.id })
      .from(replayRuns)
      .where(inArray(replayRuns.state, ['queued', 'running']))
      .limit(1);
    return Boolean(row);
  }

  /** Renews the lease and reads what decides the next call; null when another runner has the run now. */
  private async renew(runId: string) {
    const db = await this.options.database();
    const [row] = await db
      .update(replayRuns)
      .set({ leaseUntil: sql`now() + ${this.leaseMs} * interval '1 millisecond'` })
      .where(and(eq(replayRuns.id, runId), eq(replayRuns.leaseOwner, this.owner), eq(replayRuns.state, 'running')))
      .returning({
        cancelRequestedAt: replayRuns.cancelRequestedAt,
        promptTokens: replayRuns.promptTokens,
        completionTokens: replayRuns.completionTokens,
        costUsd: replayRuns.costUsd,
      });
    return row ?? null;
  }

  private async finish(runId: string, state: ReplayState, errorCode: string | null = null): Promise<void> {
    const db = await this.options.database();
    await db
      .update(replayRuns)
      .set({ state, finishedAt: sql`now()`, leaseOwner: null, leaseUntil: null, errorCode })
      .where(and(eq(replayRuns.id, runId), eq(replayRuns.leaseOwner, this.owner)));
  }

  private async items(run: ReplayRunRow): Promise<Array<{ position: number; auditId: string }>> {
    if (!run.datasetId) return run.auditId ? [{ position: 1, auditId: run.auditId }] : [];
    const db = await this.options.database();
    return db
      .select({ position: datasetItems.position, auditId: datasetItems.auditId })
      .from(datasetItems)
      .where(eq(datasetItems.datasetId, run.datasetId))
      .orderBy(asc(datasetItems.position));
  }

  private async runOne(run: ReplayRunRow): Promise<void> {
    const db = await this.options.database();
    const items = await this.items(run);
    const doneRows = await db.select({ position: replayResults.position }).from(replayResults).where(eq(replayResults.runId, run.id));
    const done = new Set(doneRows.map((row) => row.position));
    await db.update(replayRuns).set({ total: items.length }).where(and(eq(replayRuns.id, run.id), eq(replayRuns.leaseOwner, this.owner)));
    const client = this.models.client(run.candidate.endpoint, run.candidate.model);

    for (const item of items) {
      if (done.has(item.position)) continue;
      for (;;) {
        if (this.closed) return;
        const state = await this.renew(run.id);
        if (!state) return;
        if (state.cancelRequestedAt) return this.finish(run.id, 'cancelled');
        const tokens = state.promptTokens + state.completionTokens;
        if (run.budgetTokens !== null && tokens >= run.budgetTokens) return this.finish(run.id, 'budget_exhausted');
        if (run.budgetUsd !== null && (state.costUsd ?? 0) >= run.budgetUsd) return this.finish(run.id, 'budget_exhausted');
        const wait = this.rateWait(Date.now());
        if (wait <= 0) break;
        // Short naps, so a cancel or a lost lease is seen while waiting for the rate limit.
        await sleep(Math.min(wait, 1000));
      }

      const [turn] = await db
        .select({ messages: turns.promptMessages, hash: turns.promptHash })
        .from(turns)
        .where(eq(turns.auditId, item.auditId));
      if (!turn) {
        await this.record(run, item, { status: 'error', errorCode: 'turn_deleted' });
        continue;
      }
      const { messages, verified } = verifiedMessages(turn.messages, turn.hash);
      if (!verified) {
        // Never sent: a prompt that is not the recorded one would compare nothing.
        await this.record(run, item, { status: 'error', hashMismatch: true, errorCode: 'hash_mismatch' });
        continue;
      }
      if (!client) {
        await this.record(run, item, { status: 'error', errorCode: 'unknown_endpoint' });
        continue;
      }

      const controller = new AbortController();
      this.inFlight.set(run.id, controller);
      const watch = setInterval(() => {
        void this.cancelRequested(run.id).then((cancelled) => {
          if (cancelled) controller.abort(new Error('replay cancelled'));
        });
      }, this.cancelPollMs);
      this.calls.push(Date.now());
      const started = performance.now();
      let text = '';
      let promptTokens: number | null = null;
      let completionTokens: number | null = null;
      let errorCode: string | null = null;
      try {
        for await (const chunk of client.stream(candidateMessages(messages, run.candidate.systemPrompt), controller.signal)) {
          if (chunk.type === 'delta') text += chunk.text;
          else if (chunk.type === 'usage') {
            promptTokens = chunk.usage.promptTokens;
            completionTokens = chunk.usage.completionTokens;
          }
        }
      } catch (error) {
        errorCode = modelErrorOf(error)?.code ?? 'internal_error';
      } finally {
        clearInterval(watch);
        this.inFlight.delete(run.id);
      }
      const latencyMs = Math.round(performance.now() - started);
      if (controller.signal.aborted) {
        // Cancelled mid-call: nothing to compare, and no further call.
        if (this.closed) return;
        return this.finish(run.id, 'cancelled');
      }
      await this.record(
        run,
        item,
        errorCode
          ? { status: 'error', errorCode, latencyMs }
          : { status: 'ok', text, promptTokens, completionTokens, latencyMs },
      );
    }
    await this.finish(run.id, 'done');
  }

  private async cancelRequested(runId: string): Promise<boolean> {
    try {
      const db = await this.options.database();
      const [row] = await db
        .select({ id: replayRuns.id })
        .from(replayRuns)
        .where(and(eq(replayRuns.id, runId), isNotNull(replayRuns.cancelRequestedAt)));
      return Boolean(row);
    } catch {
      return false;
    }
  }

  /** Milliseconds until the next call is allowed (0: now). */
  private rateWait(now: number): number {
    const limit = this.options.callsPerMinute;
    while (this.calls.length > 0 && (this.calls[0] ?? 0) <= now - MINUTE_MS) this.calls.shift();
    if (limit <= 0 || this.calls.length < limit) return 0;
    return (this.calls[0] ?? now) + MINUTE_MS - now;
  }

  /** One item's result and the run's counters, together, only while this runner holds the lease. */
  private async record(
    run: ReplayRunRow,
    item: { position: number; auditId: string },
    result:
      | { status: 'ok'; text: string; promptTokens: number | null; completionTokens: number | null; latencyMs: number }
      | { status: 'error'; errorCode: string; latencyMs?: number; hashMismatch?: boolean },
  ): Promise<void> {
    const db = await this.options.database();
    const ok = result.status === 'ok';
    const promptTokens = ok ? result.promptTokens : null;
    const completionTokens = ok ? result.completionTokens : null;
    const cost =
      promptTokens !== null && completionTokens !== null
        ? estimateCost(this.options.prices, run.candidate.model, promptTokens, completionTokens)
        : null;
    await db.transaction(async (tx) => {
      const [held] = await tx
        .select({ id: replayRuns.id })
        .from(replayRuns)
        .where(and(eq(replayRuns.id, run.id), eq(replayRuns.leaseOwner, this.owner)))
        .for('update');
      if (!held) return;
      const [inserted] = await tx
        .insert(replayResults)
        .values({
          runId: run.id,
          position: item.position,
          auditId: item.auditId,
          status: ok ? 'ok' : result.hashMismatch ? 'hash_mismatch' : 'error',
          candidateText: ok ? toDbText(result.text) : null,
          errorCode: ok ? null : result.errorCode,
          promptTokens,
          completionTokens,
          latencyMs: result.latencyMs ?? null,
          costUsd: cost,
        })
        .onConflictDoNothing()
        .returning({ position: replayResults.position });
      if (!inserted) return;
      await tx
        .update(replayRuns)
        .set({
          completed: sql`${replayRuns.completed} + ${ok ? 1 : 0}`,
          failed: sql`${replayRuns.failed} + ${ok ? 0 : 1}`,
          promptTokens: sql`${replayRuns.promptTokens} + ${promptTokens ?? 0}`,
          completionTokens: sql`${replayRuns.completionTokens} + ${completionTokens ?? 0}`,
          costUsd: cost === null ? sql`${replayRuns.costUsd}` : sql`coalesce(${replayRuns.costUsd}, 0) + ${cost}`,
        })
        .where(eq(replayRuns.id, run.id));
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
