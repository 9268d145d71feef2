import type { Redis } from '@upstash/redis';
import { z } from 'zod';
import { AUDIT_RECORD_VERSION } from '@/lib/audit/types';
import { runListScript, runScript } from '@/lib/redis/eval';
import { auditKeys, legacySessionKeys, MEMORY_LAYOUT_VERSION, sessionKeys, type SessionKeys } from '@/lib/redis/keys';
import { APPEND_MESSAGE } from '@/lib/redis/scripts/append-message';
import { BEGIN_TURN } from '@/lib/redis/scripts/begin-turn';
import { CHANGE_STATE } from '@/lib/redis/scripts/change-state';
import { COMMIT_TURN } from '@/lib/redis/scripts/commit-turn';
import { RECORD_TURN } from '@/lib/redis/scripts/record-turn';
import { RENEW_LEASE } from '@/lib/redis/scripts/renew-lease';
import { LEASES_HELD } from '@/lib/redis/scripts/audit-stream';
import { ADOPT_LEGACY_KEYS, READ_SESSION, REGISTER_SESSION, SAVE_SUMMARY } from '@/lib/redis/scripts/session';
import {
  COUNTER_TTL_SECONDS,
  ISSUED_COUNTER_TTL_SECONDS,
  memoryMessageSchema,
  statusOfEmpty,
  unavailable,
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
  type Replay,
  type StateChangeRequest,
  type StateChangeResult,
  type StateRead,
} from '@/lib/conversation/types';
import { CONVERSATION_STATES, HANDOFF_REASONS } from '@/lib/db/schema';
import { classifyMemoryError } from '@/lib/conversation/errors';
import { errorFields, log } from '@/lib/observability/log';
import { LocalRateLimiter } from '@/lib/rate-limit/local';
import { conversationRule } from '@/lib/rate-limit/rules';
import { limitAll, verdictOf, windowCall, type RateRule, type WindowCall } from '@/lib/rate-limit/window';
import { SESSION_REF_PATTERN, sessionRef } from '@/lib/session-ref';

/**
 * Conversations in Redis over Upstash's REST protocol (layout: lib/redis/keys.ts, rules:
 * docs/memory.md). Every change to a conversation is one Lua script that also appends the turn's
 * audit entry to the audit stream, so a remembered exchange and its audit record cannot be
 * separated by a crash. A turn costs two round trips: begin (which also counts the chat limits)
 * and commit (or record).
 */

const STOP_REQUEST_TTL_MS = 60_000;

const metaSchema = z.object({
  v: z.literal(String(MEMORY_LAYOUT_VERSION)),
  createdAt: z.iso.datetime(),
  lastActivityAt: z.iso.datetime(),
  summary: z.string().optional(),
});

const count = z.coerce.number().int().nonnegative();
const beginOutcomeSchema = z.union([
  z.tuple([z.literal('limited')]),
  z.tuple([z.literal('busy')]),
  z.tuple([z.literal('unseeded')]),
  z.tuple([z.literal('replay'), z.string(), z.string()]),
  z.tuple([z.literal('rate_limited'), count, count]),
  z.tuple([z.literal('begun'), count, count, z.array(z.string()), z.array(z.string()), z.array(z.coerce.string())]),
]);
const beginReplySchema = z.tuple([z.array(count), beginOutcomeSchema]);
const commitReplySchema = z.union([
  z.tuple([z.literal('locked')]),
  z.tuple([z.literal('unseeded')]),
  z.tuple([z.literal('duplicate'), z.string(), z.string()]),
  z.tuple([z.literal('stored'), count, z.array(z.string())]),
]);
const recordReplySchema = z.union([z.tuple([z.literal('unseeded')]), z.tuple([z.literal('recorded'), count, count])]);
const readReplySchema = z.tuple([z.array(z.string()), z.array(z.string()), z.string(), z.string()]);
const leaseReplySchema = z.enum(['held', 'stop', 'lost']);
const appendReplySchema = z.union([
  z.tuple([z.literal('appended'), count, count, z.array(z.string())]),
  z.tuple([z.literal('refused'), z.string(), z.string(), z.string()]),
]);
const changeReplySchema = z.union([
  z.tuple([z.literal('changed'), count, count]),
  z.tuple([z.literal('conflict')]),
  z.tuple([z.literal('unseeded')]),
]);
/** The counter hash's state fields (change-state.ts writes them): st state, so/sn owner, ss since, sr reason, ev version. */
const STATE_FIELDS = ['seq', 'ev', 'st', 'so', 'sn', 'ss', 'sr', 'la'] as const;
const stateFieldsSchema = z
  .object({
    seq: z.coerce.string().nullable(),
    ev: z.coerce.number().int().nonnegative().nullable(),
    st: z.enum(CONVERSATION_STATES).nullable(),
    so: z.coerce.string().nullable(),
    sn: z.coerce.string().nullable(),
    ss: z.coerce.string().nullable(),
    sr: z.union([z.enum(HANDOFF_REASONS), z.literal('')]).nullable(),
    la: z.coerce.string().nullable(),
  })
  .partial();

export interface RedisStoreOptions {
  redis: Redis;
  keyPrefix: string;
  caps: MemoryCaps;
  /** Counts the chat limits when Redis cannot (never a limit turned off by an outage); mirrors every shared count. */
  fallbackLimiter?: LocalRateLimiter;
  now?: () => number;
}

/** The begin script has two chat-limit slots (per address, model-call budget): rules past them are refused loudly. */
const CHAT_LIMIT_SLOTS = 2;
const OFF: WindowCall = { keys: ['', ''], args: [0, 1, 0, 1] };

/** A record we cannot trust (foreign layout, broken JSON): the turn treats it as unavailable. */
class CorruptRecordError extends Error {
  override name = 'CorruptRecordError';
  readonly code = 'corrupt_record';
}

export { classifyMemoryError as classifyRedisError };

export class RedisMemoryStore implements ConversationBackend {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  private readonly stream: string;
  private readonly open: string;
  private readonly fallback: LocalRateLimiter;
  private readonly now: () => number;
  private lastLimitWarning = 0;

  constructor(private readonly options: RedisStoreOptions) {
    this.redis = options.redis;
    const audit = auditKeys(options.keyPrefix);
    this.stream = audit.stream;
    this.open = audit.open;
    this.now = options.now ?? Date.now;
    this.fallback = options.fallbackLimiter ?? new LocalRateLimiter(this.now);
  }

  keys(sessionId: string): SessionKeys {
    return sessionKeys(this.options.keyPrefix, sessionId);
  }

  async begin(request: BeginRequest): Promise<BeginResult> {
    const result = await this.beginOnce(request);
    // A conversation begun before the upgrade: its memory still has the previous key names.
    if (result.kind === 'unseeded' && !request.seed && (await this.adoptLegacyKeys(request.sessionId)))
      return this.beginOnce({ ...request, limits: [] });
    return result;
  }

  /**
   * Moves a conversation's memory from the v2 key names (the id) to the current ones (the reference),
   * keeping its TTLs; only asked when the current keys are missing, so it costs a round trip only on
   * a conversation's first turn after the upgrade (and on expired or unknown ones).
   */
  private async adoptLegacyKeys(sessionId: string): Promise<boolean> {
    if (SESSION_REF_PATTERN.test(sessionId)) return false;
    const old = legacySessionKeys(this.options.keyPrefix, sessionId);
    const k = this.keys(sessionId);
    try {
      const adopted = await runScript(this.redis, ADOPT_LEGACY_KEYS, {
        oldMetaKey: old.meta,
        oldMessagesKey: old.messages,
        oldCounterKey: old.counter,
        metaKey: k.meta,
        messagesKey: k.messages,
        counterKey: k.counter,
      });
      return Number(adopted) === 1;
    } catch (error) {
      logMemoryFailure(sessionId, error);
      return false;
    }
  }

  private async beginOnce(request: BeginRequest): Promise<BeginResult> {
    const k = this.keys(request.sessionId);
    const now = this.now();
    const limits = (request.limits ?? []).filter(([rule]) => rule.limit > 0);
    if (limits.length > CHAT_LIMIT_SLOTS) throw new Error(`begin counts at most ${CHAT_LIMIT_SLOTS} chat limits`);
    const calls = limits.map(([rule, key]) => windowCall(this.options.keyPrefix, rule, key, now));
    const [first, second] = [calls[0] ?? OFF, calls[1] ?? OFF];
    const turnsPerMinute = this.options.caps.turnsPerMinute ?? 0;
    const conversation = conversationRule(turnsPerMinute);
    const rate = windowCall(this.options.keyPrefix, conversation, sessionRef(request.sessionId), now);
    let reply: z.infer<typeof beginReplySchema>;
    try {
      const raw = await runScript(this.redis, BEGIN_TURN, {
        metaKey: k.meta,
        messagesKey: k.messages,
        counterKey: k.counter,
        leaseKey: k.lease,
        streamKey: this.stream,
        openKey: this.open,
        rateKey: rate.keys[0],
        ratePreviousKey: rate.keys[1],
        firstKey: first.keys[0],
        firstPreviousKey: first.keys[1],
        secondKey: second.keys[0],
        secondPreviousKey: second.keys[1],
        auditId: request.auditId,
        leaseMs: request.leaseMs,
        nowMs: now,
        rateLimit: turnsPerMinute,
        rateWindowMs: rate.args[1],
        rateElapsedMs: rate.args[2],
        firstLimit: first.args[0],
        firstWindowMs: first.args[1],
        firstElapsedMs: first.args[2],
        secondLimit: second.args[0],
        secondWindowMs: second.args[1],
        secondElapsedMs: second.args[2],
        messageId: request.messageId ?? '',
        counterTtlSeconds: COUNTER_TTL_SECONDS,
        seedSeq: request.seed ? request.seed.seq : '',
        seedKept: request.seed ? request.seed.kept : '',
        pendingRecord: JSON.stringify(request.pending),
        recordVersion: AUDIT_RECORD_VERSION,
      });
      reply = beginReplySchema.parse(raw);
    } catch (error) {
      logMemoryFailure(request.sessionId, error);
      // The chat limits still count, in this process: a Redis outage never turns a limit off.
      const refused = await this.countLocally(limits, error);
      return refused ?? { kind: 'unavailable', errorClass: classifyMemoryError(error) };
    }
    const [checks, outcome] = reply;
    const refused = this.verdictOfChecks(limits, calls, checks);
    switch (outcome[0]) {
      case 'limited':
        // The script refused only when a check said no: a reply without one is still a refusal.
        return refused ?? { kind: 'rate_limited', by: 'client', retryAfterMs: 1000 };
      case 'busy':
      case 'unseeded':
        return { kind: outcome[0] };
      case 'rate_limited':
        return {
          kind: 'rate_limited',
          by: 'conversation',
          retryAfterMs: verdictOf(false, outcome[1], outcome[2], rate).retryAfterSeconds * 1000,
        };
      case 'replay': {
        const replay = replayOf(outcome[1], outcome[2]);
        return replay.kind === 'replay' ? replay : { kind: 'unavailable', errorClass: 'corrupt_record' };
      }
      case 'begun': {
        const [, seq, kept, metaPairs, items, held] = outcome;
        const [st, so, sn, ss, sr, ev, la] = held;
        const state = heldStateOf(stateFieldsSchema.parse({ st: st || null, so, sn, ss, sr: sr || null, ev: ev || null })).snapshot;
        const memory = this.parseOrUnavailable(request.sessionId, metaPairs, items, kept);
        return { kind: 'begun', seq, memory, state, lastAgentAt: la || null };
      }
    }
  }

  /**
   * The chat limits' shared counts, mirrored into this process's counters (so a later outage goes on
   * from them, never from zero); the refusal when any of them said no, with the longest Retry-After.
   */
  private verdictOfChecks(
    limits: ReadonlyArray<readonly [RateRule, string]>,
    calls: WindowCall[],
    checks: number[],
  ): Extract<BeginResult, { kind: 'rate_limited' }> | null {
    let retryAfterSeconds = 0;
    limits.forEach(([rule, key], i) => {
      const [allowed, previous, current] = [checks[i * 3], checks[i * 3 + 1] ?? 0, checks[i * 3 + 2] ?? 0];
      const call = calls[i];
      if (allowed === undefined || !call) return;
      this.fallback.observe(rule, key, previous, current);
      const verdict = verdictOf(allowed === 1, previous, current, call);
      if (!verdict.success) retryAfterSeconds = Math.max(retryAfterSeconds, verdict.retryAfterSeconds);
    });
    return retryAfterSeconds > 0 ? { kind: 'rate_limited', by: 'client', retryAfterMs: retryAfterSeconds * 1000 } : null;
  }

  private async countLocally(
    limits: ReadonlyArray<readonly [RateRule, string]>,
    error: unknown,
  ): Promise<Extract<BeginResult, { kind: 'rate_limited' }> | null> {
    if (limits.length === 0) return null;
    if (this.now() - this.lastLimitWarning > 60_000) {
      this.lastLimitWarning = this.now();
      log.warn('rate limit: Redis unavailable, counting in-process', errorFields(error));
    }
    const verdict = await limitAll(this.fallback, limits);
    return verdict.success ? null : { kind: 'rate_limited', by: 'client', retryAfterMs: verdict.retryAfterSeconds * 1000 };
  }

  async commit(request: CommitRequest): Promise<CommitResult> {
    const k = this.keys(request.sessionId);
    const { maxTurns, maxTokens, ttlSeconds } = this.options.caps;
    const raw = await runScript(this.redis, COMMIT_TURN, {
      metaKey: k.meta,
      messagesKey: k.messages,
      counterKey: k.counter,
      leaseKey: k.lease,
      streamKey: this.stream,
      openKey: this.open,
      auditId: request.auditId,
      userItem: JSON.stringify(request.exchange.user),
      assistantItem: request.exchange.assistant ? JSON.stringify(request.exchange.assistant) : '',
      now: request.now.toISOString(),
      maxMessages: maxTurns * 2,
      maxTokens,
      ttlSeconds,
      counterTtlSeconds: COUNTER_TTL_SECONDS,
      fresh: request.fresh ? '1' : '0',
      layoutVersion: MEMORY_LAYOUT_VERSION,
      messageId: request.exchange.user.messageId ?? '',
      givenSeq: request.seq ?? '',
      seedSeq: request.seed ? request.seed.seq : '',
      seedKept: request.seed ? request.seed.kept : '',
      finalRecord: JSON.stringify(request.final),
      recordVersion: AUDIT_RECORD_VERSION,
    });
    const reply = commitReplySchema.parse(raw);
    switch (reply[0]) {
      case 'locked':
      case 'unseeded':
        return { kind: reply[0] };
      case 'duplicate': {
        const replay = replayOf(reply[1], reply[2]);
        if (replay.kind !== 'replay') throw new CorruptRecordError('a stored exchange is not valid');
        return { kind: 'duplicate', replay: replay.replay };
      }
      case 'stored':
        return { kind: 'stored', seq: reply[1], evicted: reply[2].flatMap((item) => parseMessageOrSkip(item)) };
    }
  }

  async record(request: RecordRequest): Promise<RecordResult> {
    const k = this.keys(request.sessionId);
    const raw = await runScript(this.redis, RECORD_TURN, {
      leaseKey: k.lease,
      counterKey: k.counter,
      streamKey: this.stream,
      openKey: this.open,
      auditId: request.auditId,
      givenSeq: request.seq ?? '',
      seedSeq: request.seed ? request.seed.seq : '',
      seedKept: request.seed ? request.seed.kept : '',
      kind: request.entry.kind,
      record: JSON.stringify(request.entry.record),
      recordVersion: AUDIT_RECORD_VERSION,
      counterTtlSeconds: COUNTER_TTL_SECONDS,
      modelError: request.entry.kind === 'final' && request.entry.record.status === 'model_error' ? '1' : '',
    });
    const reply = recordReplySchema.parse(raw);
    return reply[0] === 'recorded' ? { kind: 'recorded', seq: reply[1], modelErrors: reply[2] } : { kind: 'unseeded' };
  }

  async renew(sessionId: string, auditId: string, leaseMs: number): Promise<LeaseState> {
    const k = this.keys(sessionId);
    return leaseReplySchema.parse(
      await runScript(this.redis, RENEW_LEASE, {
        leaseKey: k.lease,
        stopKey: k.stop,
        openKey: this.open,
        auditId,
        leaseMs,
        nowMs: this.now(),
      }),
    );
  }

  async requestStop(sessionId: string, auditId: string): Promise<void> {
    await this.redis.set(this.keys(sessionId).stop, auditId, { px: STOP_REQUEST_TTL_MS });
  }

  async read(sessionId: string): Promise<LoadedMemory> {
    const k = this.keys(sessionId);
    try {
      let [metaPairs, items, seq, kept] = readReplySchema.parse(
        await runScript(this.redis, READ_SESSION, { metaKey: k.meta, messagesKey: k.messages, counterKey: k.counter }),
      );
      if (metaPairs.length === 0 && seq === '' && (await this.adoptLegacyKeys(sessionId))) {
        [metaPairs, items, seq, kept] = readReplySchema.parse(
          await runScript(this.redis, READ_SESSION, {
            metaKey: k.meta,
            messagesKey: k.messages,
            counterKey: k.counter,
          }),
        );
      }
      return this.parseOrUnavailable(sessionId, metaPairs, items, Number(kept || 0));
    } catch (error) {
      logMemoryFailure(sessionId, error);
      return unavailable(classifyMemoryError(error));
    }
  }

  async register(sessionId: string): Promise<void> {
    await runScript(this.redis, REGISTER_SESSION, {
      counterKey: this.keys(sessionId).counter,
      ttlSeconds: ISSUED_COUNTER_TTL_SECONDS,
    });
  }

  async saveSummary(sessionId: string, summary: string): Promise<void> {
    await runScript(this.redis, SAVE_SUMMARY, { metaKey: this.keys(sessionId).meta, summary });
  }

  async remove(sessionId: string): Promise<void> {
    const k = this.keys(sessionId);
    const rate = windowCall(this.options.keyPrefix, conversationRule(0), sessionRef(sessionId), this.now());
    await this.redis.del(k.meta, k.messages, k.counter, k.lease, k.stop, ...rate.keys);
  }

  async readState(sessionId: string): Promise<StateRead> {
    const raw: unknown = await this.redis.hmget(this.keys(sessionId).counter, ...STATE_FIELDS);
    // The client may hand the reply over as Redis sent it (values in field order) or as an object.
    const byName = Array.isArray(raw) ? Object.fromEntries(STATE_FIELDS.map((field, i) => [field, raw[i] ?? null])) : (raw ?? {});
    const fields = stateFieldsSchema.parse(byName);
    if (fields.seq === null || fields.seq === undefined) return { kind: 'unseeded' };
    return { kind: 'read', state: heldStateOf(fields) };
  }

  async changeState(request: StateChangeRequest): Promise<StateChangeResult> {
    const { next, seed } = request;
    const seedState = seed?.state.snapshot;
    const raw = await runScript(this.redis, CHANGE_STATE, {
      counterKey: this.keys(request.sessionId).counter,
      streamKey: this.stream,
      expectedEventSeq: request.expectedEventSeq,
      state: next.state,
      ownerId: next.owner?.id ?? '',
      ownerName: next.owner?.name ?? '',
      since: next.since,
      reason: next.reason ?? '',
      counterTtlSeconds: COUNTER_TTL_SECONDS,
      seedSeq: seed ? seed.seq : '',
      seedKept: seed ? seed.kept : '',
      seedEventSeq: seed ? seed.state.eventSeq : '',
      seedState: seedState?.state ?? '',
      seedOwnerId: seedState?.owner?.id ?? '',
      seedOwnerName: seedState?.owner?.name ?? '',
      seedSince: seedState?.since ?? '',
      seedReason: seedState?.reason ?? '',
      record: JSON.stringify(request.entry),
      recordVersion: AUDIT_RECORD_VERSION,
    });
    const reply = changeReplySchema.parse(raw);
    if (reply[0] === 'changed') return { kind: 'changed', eventSeq: reply[1], afterSeq: reply[2] };
    return { kind: reply[0] };
  }

  async appendMessage(request: AppendRequest): Promise<AppendResult> {
    const k = this.keys(request.sessionId);
    const raw = await runScript(this.redis, APPEND_MESSAGE, {
      metaKey: k.meta,
      messagesKey: k.messages,
      counterKey: k.counter,
      streamKey: this.stream,
      agentId: request.agentId,
      item: JSON.stringify(request.message),
      now: request.now.toISOString(),
      maxMessages: this.options.caps.maxTurns * 2,
      maxTokens: this.options.caps.maxTokens,
      ttlSeconds: this.options.caps.ttlSeconds,
      counterTtlSeconds: COUNTER_TTL_SECONDS,
      layoutVersion: String(MEMORY_LAYOUT_VERSION),
      record: JSON.stringify(request.entry),
      recordVersion: AUDIT_RECORD_VERSION,
    });
    const reply = appendReplySchema.parse(raw);
    if (reply[0] === 'appended') return { kind: 'appended', eventSeq: reply[1], evicted: reply[3].flatMap(parseMessageOrSkip) };
    const [, st, so, sn] = reply;
    return { kind: 'refused', state: heldStateOf(stateFieldsSchema.parse({ st: st || null, so, sn })).snapshot };
  }

  async leasesHeld(turns: { sessionId: string; auditId: string }[]): Promise<Set<string>> {
    if (turns.length === 0) return new Set();
    const reply = z.array(z.coerce.number()).parse(
      await runListScript(
        this.redis,
        LEASES_HELD,
        turns.map((turn) => this.keys(turn.sessionId).lease),
        turns.map((turn) => turn.auditId),
      ),
    );
    return new Set(turns.filter((_, i) => reply[i] === 1).map((turn) => turn.auditId));
  }

  private parseOrUnavailable(sessionId: string, metaPairs: string[], items: string[], kept: number): LoadedMemory {
    try {
      return parseRecord(metaPairs, items, kept);
    } catch (error) {
      logMemoryFailure(sessionId, error);
      return unavailable(classifyMemoryError(error));
    }
  }
}

function replayOf(
  userItem: string,
  assistantItem: string,
): Extract<BeginResult, { kind: 'replay' }> | { kind: 'invalid' } {
  const user = parseMessage(userItem);
  const assistant = parseMessage(assistantItem);
  if (!user || user.role !== 'user' || !assistant || assistant.role !== 'assistant') return { kind: 'invalid' };
  const replay: Replay = { auditId: assistant.auditId, reply: assistant.text };
  return { kind: 'replay', replay };
}

function parseRecord(metaPairs: string[], items: string[], kept: number): LoadedMemory {
  if (metaPairs.length === 0) {
    if (items.length > 0) throw new CorruptRecordError('messages without session metadata');
    return { status: statusOfEmpty(kept), messages: [], summary: null, createdAt: null };
  }
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < metaPairs.length; i += 2) fields[metaPairs[i]!] = metaPairs[i + 1]!;
  const meta = metaSchema.safeParse(fields);
  if (!meta.success) throw new CorruptRecordError(`session metadata: ${meta.error.issues[0]?.message ?? 'invalid'}`);
  const messages = items.map((item) => {
    const parsed = parseMessage(item);
    if (!parsed) throw new CorruptRecordError('a stored message is not valid');
    return parsed;
  });
  if (messages.length === 0)
    return {
      status: statusOfEmpty(kept),
      messages,
      summary: meta.data.summary ?? null,
      createdAt: meta.data.createdAt,
    };
  return { status: 'ok', messages, summary: meta.data.summary ?? null, createdAt: meta.data.createdAt };
}

function parseMessage(item: string): MemoryMessage | null {
  try {
    const parsed = memoryMessageSchema.safeParse(JSON.parse(item));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function parseMessageOrSkip(item: string): MemoryMessage[] {
  const parsed = parseMessage(item);
  return parsed ? [parsed] : [];
}

function logMemoryFailure(sessionId: string, error: unknown): void {
  log.warn('memory unavailable', { session: sessionRef(sessionId), ...errorFields(error) });
}

/** The state a counter hash holds; a conversation no change touched yet is the assistant's. */
function heldStateOf(fields: z.infer<typeof stateFieldsSchema>): HeldState {
  const state = fields.st ?? 'assistant';
  return {
    eventSeq: fields.ev ?? 0,
    lastAgentAt: fields.la || null,
    snapshot: {
      state,
      owner: state === 'agent' && fields.so ? { id: fields.so, name: fields.sn ?? '' } : null,
      since: fields.ss ?? '',
      reason: fields.sr ? fields.sr : null,
    },
  };
}
