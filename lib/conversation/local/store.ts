import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { AuditEntry } from '@/lib/audit/types';
import { sessionRef } from '@/lib/session-ref';
import { LocalRateLimiter } from '@/lib/rate-limit/local';
import { conversationRule } from '@/lib/rate-limit/rules';
import { limitAll } from '@/lib/rate-limit/window';
import {
  applyCaps,
  COUNTER_TTL_SECONDS,
  findReplay,
  ISSUED_COUNTER_TTL_SECONDS,
  memoryMessageSchema,
  statusOfEmpty,
  type BeginRequest,
  type BeginResult,
  type CommitRequest,
  type CommitResult,
  type LeaseState,
  type LoadedMemory,
  type MemoryCaps,
  type MemoryMessage,
  type AppendRequest,
  type AppendResult,
  type ConversationBackend,
  type HeldState,
  type RecordRequest,
  type RecordResult,
  type StateChangeRequest,
  type StateChangeResult,
  type StateRead,
} from '@/lib/conversation/types';
import { CONVERSATION_STATES, HANDOFF_REASONS } from '@/lib/db/schema';
import { INITIAL_STATE } from '@/lib/handoff/machine';

/** Where the embedded store hands each turn's audit entry: straight to the embedded database. */
export interface LocalAuditSink {
  /** Never throws: a write that fails is kept in the outbox file. */
  write(entry: AuditEntry): Promise<void>;
}

export interface LocalStoreOptions {
  /** Folder that keeps conversations across restarts (the data folder); none: this process only. */
  dir?: string;
  clock?: () => number;
}

const sessionFileSchema = z.object({
  sessionId: z.string(),
  record: z
    .object({
      createdAt: z.string(),
      lastActivityAt: z.string(),
      messages: z.array(memoryMessageSchema),
      summary: z.string().nullable(),
      expiresAt: z.number(),
    })
    .nullable(),
  counter: z
    .object({
      seq: z.number().int(),
      kept: z.number().int(),
      expiresAt: z.number(),
      /** Who answers the conversation (lib/handoff), with its version; absent: the assistant, never changed. */
      /** Model errors since the last state change (the handoff rule "after N model errors"). */
      modelErrors: z.number().int().nonnegative().optional(),
      held: z
        .object({
          eventSeq: z.number().int().nonnegative(),
          lastAgentAt: z.string().nullable().optional(),
          snapshot: z.object({
            state: z.enum(CONVERSATION_STATES),
            owner: z.object({ id: z.string(), name: z.string() }).nullable(),
            since: z.string(),
            reason: z.enum(HANDOFF_REASONS).nullable(),
          }),
        })
        .optional(),
    })
    .nullable(),
});

type SessionState = z.infer<typeof sessionFileSchema>;

/**
 * The embedded default: the same rules as the Redis store (TTL, caps, one lease per conversation,
 * turn counter, all-or-nothing commit, replays) in this process, each conversation also written to
 * a file under the data folder so `npm run dev` keeps it across a restart. Audit entries go
 * straight to the embedded database. One process only: never for a multi-instance deployment.
 * Conversations are keyed (in memory and in file names and contents) by their reference, like the
 * Redis keys, so the admin's delete reaches them and no file holds a bearer key. (Files of the
 * previous release named the id: those conversations read as expired once, then the files age out.)
 */
export class LocalMemoryStore implements ConversationBackend {
  readonly kind = 'local' as const;
  private readonly states = new Map<string, SessionState>();
  private readonly leases = new Map<string, { token: string; expiresAt: number }>();
  /** The chat limits and the per-conversation limit: the same sliding windows as Redis, in this process. */
  private readonly limiter: LocalRateLimiter;
  private readonly stops = new Map<string, string>();
  private readonly clock: () => number;
  private nextSweepAt = 0;

  constructor(
    private readonly caps: MemoryCaps,
    private readonly sink: LocalAuditSink,
    private readonly options: LocalStoreOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.limiter = new LocalRateLimiter(() => this.clock());
    if (options.dir) mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  }

  async begin(request: BeginRequest): Promise<BeginResult> {
    const now = this.clock();
    this.sweep(now);
    const { auditId } = request;
    const sessionId = sessionRef(request.sessionId);
    if (request.limits && request.limits.length > 0) {
      const verdict = await limitAll(this.limiter, request.limits);
      if (!verdict.success) return { kind: 'rate_limited', by: 'client', retryAfterMs: verdict.retryAfterSeconds * 1000 };
    }
    const holder = this.liveLease(sessionId, now);
    if (holder && holder.token !== auditId) return { kind: 'busy' };
    const state = this.state(sessionId, now);
    const replay = findReplay(state.record?.messages ?? [], request.messageId);
    if (replay) return { kind: 'replay', replay };
    if (!state.counter) {
      if (!request.seed) return { kind: 'unseeded' };
      state.counter = { seq: request.seed.seq, kept: request.seed.kept, expiresAt: 0 };
    }
    const rule = conversationRule(this.caps.turnsPerMinute ?? 0);
    if (rule.limit > 0) {
      const verdict = this.limiter.limitNow(rule, sessionId);
      if (!verdict.success) return { kind: 'rate_limited', by: 'conversation', retryAfterMs: verdict.retryAfterSeconds * 1000 };
    }
    state.counter.seq += 1;
    state.counter.expiresAt = now + COUNTER_TTL_SECONDS * 1000;
    const seq = state.counter.seq;
    this.leases.set(sessionId, { token: auditId, expiresAt: now + request.leaseMs });
    this.save(state);
    await this.sink.write({ kind: 'pending', seq, record: request.pending });
    const held = heldOf(state.counter.held);
    return { kind: 'begun', seq, memory: this.load(state), state: held.snapshot, lastAgentAt: held.lastAgentAt ?? null };
  }

  async commit(request: CommitRequest): Promise<CommitResult> {
    const now = this.clock();
    const { auditId } = request;
    const sessionId = sessionRef(request.sessionId);
    const holder = this.liveLease(sessionId, now);
    if (holder && holder.token !== auditId) return { kind: 'locked' };
    const state = this.state(sessionId, now);
    if (request.seq === null && !state.counter && !request.seed) return { kind: 'unseeded' };
    const existing = request.fresh ? null : state.record;
    const replay = findReplay(existing?.messages ?? [], request.exchange.user.messageId ?? null);
    if (replay) {
      if (holder) this.leases.delete(sessionId);
      return { kind: 'duplicate', replay };
    }
    const { user, assistant } = request.exchange;
    const evicted = this.append(state, existing, assistant ? [user, assistant] : [user], request.now, now);
    const counter = (state.counter ??= { seq: request.seed?.seq ?? 0, kept: request.seed?.kept ?? 0, expiresAt: 0 });
    const seq = request.seq ?? (counter.seq += 1);
    // The counter may have been removed mid-turn (an admin delete): never fall behind a number handed out.
    counter.seq = Math.max(counter.seq, seq);
    counter.kept += 1;
    counter.expiresAt = now + COUNTER_TTL_SECONDS * 1000;
    this.leases.delete(sessionId);
    this.save(state);
    await this.sink.write({ kind: 'final', seq, record: request.final });
    return { kind: 'stored', seq, evicted };
  }

  async record(request: RecordRequest): Promise<RecordResult> {
    const now = this.clock();
    const { auditId } = request;
    const sessionId = sessionRef(request.sessionId);
    const state = this.state(sessionId, now);
    let seq = request.seq;
    if (seq === null) {
      if (!state.counter && !request.seed) return { kind: 'unseeded' };
      state.counter ??= { seq: request.seed?.seq ?? 0, kept: request.seed?.kept ?? 0, expiresAt: 0 };
      seq = state.counter.seq += 1;
      state.counter.expiresAt = now + COUNTER_TTL_SECONDS * 1000;
      this.save(state);
    }
    if (this.leases.get(sessionId)?.token === auditId) this.leases.delete(sessionId);
    let modelErrors = 0;
    if (request.entry.kind === 'final' && request.entry.record.status === 'model_error' && state.counter) {
      modelErrors = state.counter.modelErrors = (state.counter.modelErrors ?? 0) + 1;
      this.save(state);
    }
    await this.sink.write({ ...request.entry, seq });
    return modelErrors > 0 ? { kind: 'recorded', seq, modelErrors } : { kind: 'recorded', seq };
  }

  async renew(id: string, auditId: string, leaseMs: number): Promise<LeaseState> {
    const sessionId = sessionRef(id);
    const now = this.clock();
    const holder = this.liveLease(sessionId, now);
    if (holder?.token !== auditId) return 'lost';
    holder.expiresAt = now + leaseMs;
    return this.stops.get(sessionId) === auditId ? 'stop' : 'held';
  }

  async requestStop(id: string, auditId: string): Promise<void> {
    const sessionId = sessionRef(id);
    this.stops.set(sessionId, auditId);
  }

  async read(id: string): Promise<LoadedMemory> {
    const sessionId = sessionRef(id);
    return this.load(this.state(sessionId, this.clock()));
  }

  async register(id: string): Promise<void> {
    const sessionId = sessionRef(id);
    const now = this.clock();
    const state = this.state(sessionId, now);
    if (state.counter) return;
    state.counter = { seq: 0, kept: 0, expiresAt: now + ISSUED_COUNTER_TTL_SECONDS * 1000 };
    this.save(state);
  }

  async saveSummary(id: string, summary: string): Promise<void> {
    const sessionId = sessionRef(id);
    const state = this.state(sessionId, this.clock());
    if (!state.record) return;
    state.record.summary = summary;
    this.save(state);
  }

  async remove(id: string): Promise<void> {
    const sessionId = sessionRef(id);
    this.states.delete(sessionId);
    this.leases.delete(sessionId);
    this.stops.delete(sessionId);
    if (this.options.dir) rmSync(this.file(sessionId), { force: true });
  }

  async readState(id: string): Promise<StateRead> {
    const state = this.state(sessionRef(id), this.clock());
    if (!state.counter) return { kind: 'unseeded' };
    return { kind: 'read', state: heldOf(state.counter.held) };
  }

  async changeState(request: StateChangeRequest): Promise<StateChangeResult> {
    const now = this.clock();
    const state = this.state(sessionRef(request.sessionId), now);
    if (!state.counter) {
      if (!request.seed) return { kind: 'unseeded' };
      state.counter = { seq: request.seed.seq, kept: request.seed.kept, expiresAt: 0, held: request.seed.state };
    }
    const counter = state.counter;
    if (heldOf(counter.held).eventSeq !== request.expectedEventSeq) return { kind: 'conflict' };
    const eventSeq = request.expectedEventSeq + 1;
    // A new stretch: model errors count from zero; an agent taking it starts their silence clock.
    counter.modelErrors = 0;
    const lastAgentAt = request.next.state === 'agent' ? request.next.since : heldOf(counter.held).lastAgentAt ?? null;
    counter.held = { eventSeq, snapshot: request.next, lastAgentAt };
    counter.expiresAt = now + COUNTER_TTL_SECONDS * 1000;
    this.save(state);
    const afterSeq = counter.seq;
    await this.sink.write({ kind: 'state', seq: null, record: { ...request.entry, afterSeq, eventSeq } });
    return { kind: 'changed', eventSeq, afterSeq };
  }

  async appendMessage(request: AppendRequest): Promise<AppendResult> {
    const now = this.clock();
    const state = this.state(sessionRef(request.sessionId), now);
    const held = heldOf(state.counter?.held);
    if (!state.counter || held.snapshot.state !== 'agent' || held.snapshot.owner?.id !== request.agentId) {
      return { kind: 'refused', state: held.snapshot };
    }
    const evicted = this.append(state, state.record, [request.message], request.now, now);
    const counter = state.counter;
    const eventSeq = held.eventSeq + 1;
    counter.held = { eventSeq, snapshot: held.snapshot, lastAgentAt: request.now.toISOString() };
    counter.expiresAt = now + COUNTER_TTL_SECONDS * 1000;
    this.save(state);
    await this.sink.write({ kind: 'message', seq: null, record: { ...request.entry, afterSeq: counter.seq, eventSeq } });
    return { kind: 'appended', eventSeq, evicted };
  }

  /** Which of these turns still hold their conversation's lease (the drainer's abandon check). */
  async leasesHeld(turns: { sessionId: string; auditId: string }[]): Promise<Set<string>> {
    const now = this.clock();
    return new Set(turns.filter((turn) => this.liveLease(sessionRef(turn.sessionId), now)?.token === turn.auditId).map((turn) => turn.auditId));
  }

  /** Adds messages to the window (a fresh one without `existing`), trimmed to the caps, its TTL renewed; the evicted ones. */
  private append(state: SessionState, existing: SessionState['record'], added: MemoryMessage[], at: Date, now: number): MemoryMessage[] {
    const when = at.toISOString();
    const { kept, evicted } = applyCaps([...(existing?.messages ?? []), ...added], this.caps);
    state.record = {
      createdAt: existing?.createdAt ?? when,
      lastActivityAt: when,
      messages: kept,
      summary: existing?.summary ?? null,
      expiresAt: now + this.caps.ttlSeconds * 1000,
    };
    return evicted;
  }

  /** Remaining time to live of the window in ms, or -2 when there is none (mirrors Redis PTTL). */
  pttl(id: string): number {
    const sessionId = sessionRef(id);
    const now = this.clock();
    const record = this.state(sessionId, now).record;
    return record ? record.expiresAt - now : -2;
  }

  private load(state: SessionState): LoadedMemory {
    const record = state.record;
    if (record && record.messages.length > 0) {
      return {
        status: 'ok',
        messages: record.messages.map((m) => ({ ...m })),
        summary: record.summary,
        createdAt: record.createdAt,
      };
    }
    return { status: statusOfEmpty(state.counter?.kept ?? 0), messages: [], summary: null, createdAt: null };
  }

  /** The live state of a conversation: from this process, else from its file; expired parts dropped. */
  private state(sessionId: string, now: number): SessionState {
    let state = this.states.get(sessionId);
    if (!state) {
      state = this.readFile(sessionId) ?? { sessionId, record: null, counter: null };
      this.states.set(sessionId, state);
    }
    if (state.record && state.record.expiresAt <= now) state.record = null;
    if (state.counter && state.counter.expiresAt > 0 && state.counter.expiresAt <= now) state.counter = null;
    return state;
  }

  private liveLease(sessionId: string, now: number) {
    const lease = this.leases.get(sessionId);
    if (lease && lease.expiresAt <= now) {
      this.leases.delete(sessionId);
      return undefined;
    }
    return lease;
  }

  private file(sessionId: string): string {
    const name = createHash('sha256').update(sessionId).digest('hex').slice(0, 40);
    return path.join(this.options.dir!, `${name}.json`);
  }

  private readFile(sessionId: string): SessionState | null {
    if (!this.options.dir) return null;
    try {
      const parsed = sessionFileSchema.safeParse(JSON.parse(readFileSync(this.file(sessionId), 'utf8')));
      return parsed.success && parsed.data.sessionId === sessionId ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** Written whole and renamed into place, so a crash leaves the old file or the new one. */
  private save(state: SessionState): void {
    if (!this.options.dir) return;
    const file = this.file(state.sessionId);
    const temp = `${file}.${process.pid}.tmp`;
    // Customer text: readable by the server's own user only, like the generated secrets.
    writeFileSync(temp, JSON.stringify(state), { mode: 0o600 });
    renameSync(temp, file);
  }

  /** Expired conversations would otherwise stay in memory (and on disk) until they came back. */
  private sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + 60_000;
    for (const [id, lease] of this.leases) if (lease.expiresAt <= now) this.leases.delete(id);
    for (const [id, state] of this.states) {
      const gone = (!state.record || state.record.expiresAt <= now) && (!state.counter || (state.counter.expiresAt > 0 && state.counter.expiresAt <= now));
      if (gone) this.states.delete(id);
    }
    if (this.options.dir) this.sweepFiles(now);
  }

  private sweepFiles(now: number): void {
    for (const name of readdirSync(this.options.dir!)) {
      if (!name.endsWith('.json')) continue;
      const file = path.join(this.options.dir!, name);
      try {
        const state = sessionFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
        const counterAlive = state.counter && state.counter.expiresAt > now;
        const recordAlive = state.record && state.record.expiresAt > now;
        if (!counterAlive && !recordAlive) rmSync(file, { force: true });
      } catch {
        // A file we cannot read holds nothing we could serve.
        rmSync(file, { force: true });
      }
    }
  }
}


function heldOf(held: HeldState | undefined): HeldState {
  return held ?? { eventSeq: 0, snapshot: INITIAL_STATE };
}
