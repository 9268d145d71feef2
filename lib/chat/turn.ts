import type { ChatEvent, MemoryStatus } from '@/lib/chat/events';
import type { AuditEntry, EndEntry, TurnRecord } from '@/lib/audit/types';
import type { DurableFacts, DurableRecord } from '@/lib/audit/durable';
import { ApiError, errorText } from '@/lib/errors';
import { classifyMemoryError } from '@/lib/memory/errors';
import {
  unavailable,
  type CommitResult,
  type Exchange,
  type LoadedMemory,
  type MemoryMessage,
  type MemoryStore,
  type Replay,
  type Seed,
} from '@/lib/memory/types';
import { ModelError, modelErrorOf, type ModelClient, type ModelErrorCode, type ModelUsage } from '@/lib/model/types';
import { assemblePrompt, type AssembledPrompt, type PromptLimits } from '@/lib/prompt/assemble';
import { estimateTokens } from '@/lib/prompt/tokens';
import { summarizeEvicted } from '@/lib/chat/summary';
import type { StopRegistry } from '@/lib/chat/stops';
import { withSpan, withSpanSync } from '@/lib/observability/tracing';
import { logTurn } from '@/lib/observability/turn-log';

/**
 * One chat turn, the only orchestrator of memory, prompt, model and audit. It knows interfaces,
 * never a backend, and takes its dependencies as arguments.
 *
 * The turn's audit record travels with the memory calls: `begin` records it as pending, `commit`
 * (or `record`) records how it ended, each in the same atomic step as the memory change. Only when
 * memory is unreachable does the turn write its record to the audit database itself.
 */

export interface TurnDeps {
  memory: MemoryStore;
  model: ModelClient;
  /** Asked only when memory cannot tell: expired or new, the next turn number, a resend's answer. */
  durable: DurableRecord;
  /** Writes an audit entry now, when memory (and with it the audit stream) is unreachable. Never throws. */
  audit: { write(entry: AuditEntry): Promise<void> };
  /** Running turns of this process, so a stop request can reach them at once. */
  stops: StopRegistry;
  settings: {
    systemPrompt: string;
    limits: PromptLimits;
    /** How long a turn waits for the previous turn of its session before answering 409. */
    lockWaitMs: number;
    /** How long a turn's lease lasts unless renewed; it is renewed while the model streams. */
    leaseMs: number;
    summary: { enabled: boolean; maxTokens: number };
  };
  now: () => Date;
  newAuditId: () => string;
  /** Keeps work alive after the response is sent (Next's `after()`). */
  defer: (work: Promise<unknown>) => void;
  /** Told when a turn has put its final entry on the audit stream (the drainer drains soon, in batches). */
  onRecorded?: () => void;
}

export interface TurnInput {
  sessionId: string;
  text: string;
  messageId: string | null;
  client: TurnRecord['client'];
}

export type EmitEvent = (event: ChatEvent) => void;

export interface StartedTurn {
  auditId: string;
  /** Runs the turn to its end whatever happens to the listener, emitting events as it goes. */
  run(emit: EmitEvent): Promise<void>;
}

const NOTICES: Record<MemoryStatus, string | null> = {
  ok: null,
  new: null,
  expired:
    'Your earlier conversation is no longer available (it expired after a period of inactivity), so we are starting fresh.',
  unavailable:
    'We could not load your earlier messages just now, so this reply is based on your latest message only.',
};

export function noticeFor(status: MemoryStatus): string | null {
  return NOTICES[status];
}

/** Where the turn stands with memory once it may run. */
interface Begun {
  memory: LoadedMemory;
  /** The turn's number; null when memory was unreachable at the start. */
  seq: number | null;
  /** Seed for memory's turn counter, from the durable record, when memory did not know it. */
  seed: Seed | null;
  leased: boolean;
}

/**
 * Begins the turn: one round trip to memory in the normal case. Waits a bounded time for a turn
 * already in progress (409 `turn_in_progress` when the wait runs out); answers a resend with the
 * stored reply; asks the durable record only when memory cannot tell who the customer is.
 */
export async function startTurn(input: TurnInput, deps: TurnDeps): Promise<StartedTurn> {
  const auditId = deps.newAuditId();
  const startedAt = deps.now();
  const pending = recordOf(input, auditId, startedAt, deps.model.modelName);
  const deadline = Date.now() + deps.settings.lockWaitMs;
  let seed: Seed | null = null;
  let lookupFailure: string | null = null;
  let attempt = 0;
  for (;;) {
    const begun = await withSpan('tether.memory.load', { 'tether.attempt': attempt, 'tether.seeded': seed !== null }, async (span) => {
      const result = await deps.memory.begin({
        sessionId: input.sessionId,
        auditId,
        leaseMs: deps.settings.leaseMs,
        messageId: input.messageId,
        pending,
        seed,
      });
      span.setAttribute('tether.memory.result', result.kind);
      if (result.kind === 'begun') {
        span.setAttributes({ 'tether.memory.status': result.memory.status, 'tether.memory.messages': result.memory.messages.length });
      }
      return result;
    });
    switch (begun.kind) {
      case 'replay':
        return replayTurn(begun.replay, 'ok');
      case 'rate_limited': {
        const seconds = Math.max(1, Math.ceil(begun.retryAfterMs / 1000));
        throw new ApiError(
          429,
          'rate_limited',
          `You are sending messages faster than we can answer them. Please wait ${seconds} seconds and try again.`,
          { 'retry-after': String(seconds) },
        );
      }
      case 'busy':
        if (Date.now() >= deadline) {
          throw new ApiError(
            409,
            'turn_in_progress',
            'Your previous message in this conversation is still being answered. Please wait for it to finish.',
            { 'retry-after': '1' },
          );
        }
        attempt += 1;
        await sleep(Math.min(50 * 2 ** Math.min(attempt, 4), 400) * (0.5 + Math.random() / 2));
        continue;
      case 'unseeded': {
        if (seed) throw new Error('memory asked for a seed it was given');
        const facts = await lookup(deps.durable, input);
        if (facts.ok && facts.facts.replay) return replayTurn(facts.facts.replay, 'expired');
        // Without the durable record we cannot tell new from lost: say so rather than pretend "new".
        if (!facts.ok) lookupFailure = facts.errorClass;
        seed = facts.ok ? facts.facts.seed : { seq: 0, kept: 0 };
        continue;
      }
      case 'unavailable': {
        const facts = await lookup(deps.durable, input);
        if (facts.ok && facts.facts.replay) return replayTurn(facts.facts.replay, 'unavailable');
        const state: Begun = {
          memory: unavailable(begun.errorClass),
          seq: null,
          seed: facts.ok ? facts.facts.seed : null,
          leased: false,
        };
        return { auditId, run: (emit) => runExchange(input, deps, pending, state, emit) };
      }
      case 'begun': {
        const memory =
          lookupFailure && begun.memory.status === 'new' ? unavailable(`durable_lookup:${lookupFailure}`) : begun.memory;
        const state: Begun = { memory, seq: begun.seq, seed, leased: true };
        return { auditId, run: (emit) => runExchange(input, deps, pending, state, emit) };
      }
    }
  }
}

async function lookup(
  durable: DurableRecord,
  input: TurnInput,
): Promise<{ ok: true; facts: DurableFacts } | { ok: false; errorClass: string }> {
  try {
    return { ok: true, facts: await durable.lookup(input.sessionId, input.messageId) };
  } catch (error) {
    console.warn('[tether] the audit database could not say whether it knows this conversation:', errorText(error));
    return { ok: false, errorClass: 'database_unreachable' };
  }
}

/** A resend of a message already answered gets the stored answer: nothing runs, nothing is stored twice. */
function replayTurn(replay: Replay, status: MemoryStatus): StartedTurn {
  return {
    auditId: replay.auditId,
    run: async (emit) => {
      emit({ event: 'meta', data: { auditId: replay.auditId, memory: status, notice: null, replay: true } });
      emit({ event: 'delta', data: { text: replay.reply } });
      emit({ event: 'done', data: { auditId: replay.auditId, reply: replay.reply, remembered: true } });
    },
  };
}

type Outcome =
  | { kind: 'ok'; reply: string }
  /** The customer stopped the reply; what had arrived is kept. */
  | { kind: 'stopped'; reply: string }
  | { kind: 'failed'; code: ModelErrorCode; detail: string; reply: string; userMessage: string };

async function runExchange(input: TurnInput, deps: TurnDeps, pending: TurnRecord, begun: Begun, emit: EmitEvent): Promise<void> {
  const { memory } = begun;
  const startedAt = new Date(pending.createdAt);
  const prompt: AssembledPrompt = withSpanSync('tether.prompt.assemble', {}, (span) => {
    const assembled = assemblePrompt({
      systemPrompt: deps.settings.systemPrompt,
      summary: memory.summary,
      turns: memory.messages,
      userText: input.text,
      limits: deps.settings.limits,
    });
    span.setAttributes({
      'tether.prompt.messages': assembled.messages.length,
      'tether.prompt.estimated_tokens': assembled.estimatedTokens,
      'tether.prompt.dropped_messages': assembled.droppedTurns,
    });
    return assembled;
  });
  const auditId = pending.auditId;
  const base: TurnRecord = {
    ...pending,
    memoryStatus: memory.status,
    errorClass: memory.status === 'unavailable' ? `memory_load:${memory.errorClass}` : null,
    contextAuditIds: prompt.includedAuditIds,
    promptMessages: prompt.messages,
  };
  emit({ event: 'meta', data: { auditId, memory: memory.status, notice: noticeFor(memory.status), replay: false } });

  const controller = new AbortController();
  const unregister = deps.stops.register(auditId, input.sessionId, controller);
  const keeper = begun.leased ? keepLease(deps, input.sessionId, auditId, controller) : null;
  let reply = '';
  let usage: ModelUsage = { promptTokens: null, completionTokens: null };
  let firstTokenAt: number | null = null;
  let outcome: Outcome;
  try {
    await withSpan('tether.model', { 'tether.model.name': deps.model.modelName }, async (span) => {
      for await (const chunk of deps.model.stream(prompt.messages, controller.signal)) {
        if (chunk.type === 'usage') {
          usage = chunk.usage;
          continue;
        }
        firstTokenAt ??= deps.now().getTime();
        reply += chunk.text;
        emit({ event: 'delta', data: { text: chunk.text } });
      }
      span.setAttributes({ 'tether.model.reply_chars': reply.length, ...tokenAttributes(usage) });
      // A model client may end quietly when its signal is aborted (the demo model does): that is a stop.
      if (controller.signal.aborted) throw new ModelError('model_aborted', 'stopped by the customer', reply !== '');
      if (reply.trim() === '') throw new ModelError('model_empty', 'the model returned only whitespace', false);
    });
    outcome = { kind: 'ok', reply };
  } catch (error) {
    const failure = modelErrorOf(error) ?? {
      code: 'model_unavailable' as const,
      message: errorText(error),
      userMessage: new ModelError('model_unavailable', '', false).userMessage,
    };
    if (failure.code === 'model_aborted' && reply !== '') outcome = { kind: 'stopped', reply };
    else outcome = { kind: 'failed', code: failure.code, detail: failure.message, reply, userMessage: failure.userMessage };
  } finally {
    // Any renewal still under way settles first, so none can land after the commit released the lease.
    await keeper?.stop();
    unregister();
  }

  const endedAt = deps.now();
  const timings = {
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    ttftMs: firstTokenAt === null ? null : firstTokenAt - startedAt.getTime(),
    totalMs: endedAt.getTime() - startedAt.getTime(),
    completedAt: endedAt.toISOString(),
  };

  if (outcome.kind === 'failed') {
    console.warn(`[tether] turn ${auditId} failed: ${outcome.code} (${outcome.detail})`);
    const final: TurnRecord = {
      ...base,
      ...timings,
      status: outcome.code === 'model_aborted' ? 'aborted' : 'model_error',
      assistantText: outcome.reply === '' ? null : outcome.reply,
      errorCode: outcome.code,
      errorClass: base.errorClass ?? 'ModelError',
    };
    // Memory keeps only exchanges the customer saw answered: a failed turn stores nothing there.
    await recordOnly(deps, input.sessionId, begun, { kind: 'final', seq: begun.seq, record: final });
    emit({ event: 'error', data: { code: outcome.code, message: outcome.userMessage } });
    logTurn(turnLogFields(final, false));
    return;
  }

  const stopped = outcome.kind === 'stopped';
  const final: TurnRecord = {
    ...base,
    ...timings,
    status: stopped ? 'aborted' : 'ok',
    assistantText: outcome.reply,
    errorCode: stopped ? 'model_aborted' : null,
  };
  const exchange: Exchange = {
    user: memoryMessage('user', input.text, startedAt, auditId, { messageId: input.messageId }),
    assistant: memoryMessage('assistant', outcome.reply, endedAt, auditId, { stopped }),
  };
  const stored = await withSpan('tether.memory.append', {}, async (span) => {
    const result = await commitExchange(deps, input.sessionId, begun, exchange, final, endedAt);
    span.setAttribute('tether.memory.result', result.kind);
    return result;
  });
  logTurn(turnLogFields(final, stored.kind === 'stored'));
  if (stored.kind === 'duplicate') {
    // The same message was answered meanwhile (this attempt began without memory): that answer stands.
    emit({ event: 'done', data: { auditId: stored.replay.auditId, reply: stored.replay.reply, remembered: true, replay: true } });
    return;
  }
  emit({
    event: 'done',
    data: { auditId, reply: outcome.reply, remembered: stored.kind === 'stored', ...(stopped ? { stopped: true } : {}) },
  });
  if (stored.kind === 'stored' && stored.evicted.length > 0 && deps.settings.summary.enabled) {
    deps.defer(
      summarizeEvicted(input.sessionId, stored.evicted, {
        memory: deps.memory,
        model: deps.model,
        maxTokens: deps.settings.summary.maxTokens,
      }),
    );
  }
}

type Stored = Extract<CommitResult, { kind: 'stored' | 'duplicate' }> | { kind: 'not_remembered' };

/**
 * Stores the exchange with its final record. Whatever memory does, the record is written exactly
 * once: by the commit itself, by a separate record call when memory refused the exchange, or
 * directly to the audit database when memory is unreachable.
 */
async function commitExchange(
  deps: TurnDeps,
  sessionId: string,
  begun: Begun,
  exchange: Exchange,
  final: TurnRecord,
  now: Date,
): Promise<Stored> {
  let seed = begun.seed;
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await deps.memory.commit({
        sessionId,
        auditId: final.auditId,
        exchange,
        seq: begun.seq,
        seed,
        // A record we could not parse is replaced; after a mere outage the exchange is appended, so
        // a blip does not cost the customer the rest of their history.
        fresh: begun.memory.status === 'unavailable' && begun.memory.errorClass === 'corrupt_record',
        final,
        now,
      });
      if (result.kind === 'stored') {
        deps.onRecorded?.();
        return result;
      }
      if (result.kind === 'duplicate') {
        if (begun.seq !== null) {
          await recordOnly(deps, sessionId, begun, { kind: 'void', seq: begun.seq, record: { auditId: final.auditId, sessionId } });
        }
        return result;
      }
      if (result.kind === 'locked') {
        const refused = withMemoryError(final, 'memory_write:locked');
        await recordOnly(deps, sessionId, begun, { kind: 'final', seq: begun.seq, record: refused });
        return { kind: 'not_remembered' };
      }
      // unseeded: memory lost the conversation's counter during this turn; ask the durable record once.
      seed = (await lookupSeed(deps, sessionId)) ?? { seq: 0, kept: 0 };
    }
    throw new Error('memory kept asking for a seed');
  } catch (error) {
    const errorClass = `memory_write:${classifyMemoryError(error)}`;
    console.warn(`[tether] turn ${final.auditId}: reply not remembered (${errorClass})`);
    await deps.audit.write({ kind: 'final', seq: begun.seq, record: withMemoryError(final, errorClass) });
    if (begun.leased) releaseLater(deps, sessionId, final.auditId);
    return { kind: 'not_remembered' };
  }
}

/** Records how a turn ended when memory keeps nothing of it; directly to the audit database if memory is down. */
function recordOnly(deps: TurnDeps, sessionId: string, begun: Begun, entry: EndEntry): Promise<void> {
  const status = entry.kind === 'void' ? 'void' : entry.record.status;
  return withSpan('tether.audit.write', { 'tether.turn.status': status, 'tether.audit.via': 'memory' }, () =>
    recordThroughMemory(deps, sessionId, begun, entry),
  );
}

async function recordThroughMemory(deps: TurnDeps, sessionId: string, begun: Begun, entry: EndEntry): Promise<void> {
  let seed = begun.seed;
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await deps.memory.record({ sessionId, auditId: entry.record.auditId, seq: begun.seq, seed, entry });
      if (result.kind === 'recorded') {
        deps.onRecorded?.();
        return;
      }
      seed = (await lookupSeed(deps, sessionId)) ?? { seq: 0, kept: 0 };
    }
    throw new Error('memory kept asking for a seed');
  } catch (error) {
    console.warn(`[tether] turn ${entry.record.auditId}: audit entry written directly (${classifyMemoryError(error)})`);
    await deps.audit.write(entry);
    if (begun.leased) releaseLater(deps, sessionId, entry.record.auditId);
  }
}

async function lookupSeed(deps: TurnDeps, sessionId: string): Promise<Seed | null> {
  try {
    return (await deps.durable.lookup(sessionId, null)).seed;
  } catch {
    return null;
  }
}

/**
 * Memory failed at the end of a turn whose record is already written: give the lease back once it
 * answers again (a 1 ms renewal is a release that never touches another turn's lease), so the
 * customer's next message is not kept waiting for the lease to run out.
 */
function releaseLater(deps: TurnDeps, sessionId: string, auditId: string): void {
  deps.defer(
    (async () => {
      for (const wait of [50, 250, 1000]) {
        await sleep(wait);
        try {
          await deps.memory.renew(sessionId, auditId, 1);
          return;
        } catch {
          // Still down: the lease runs out on its own within leaseMs.
        }
      }
    })().catch(() => undefined),
  );
}

/**
 * Renews the turn's lease while the model streams (so a crashed instance frees the conversation
 * within one lease, and a live one keeps it), and stops the turn when the customer asked to, on
 * whichever instance the stop arrived.
 */
function keepLease(
  deps: TurnDeps,
  sessionId: string,
  auditId: string,
  controller: AbortController,
): { stop(): Promise<void> } {
  const everyMs = Math.max(250, Math.floor(deps.settings.leaseMs / 3));
  let inFlight: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (inFlight !== null) return;
    inFlight = deps.memory
      .renew(sessionId, auditId, deps.settings.leaseMs)
      .then((state) => {
        if (state === 'stop') controller.abort(new Error('stopped by the customer'));
      })
      .catch(() => undefined)
      .finally(() => {
        inFlight = null;
      });
  }, everyMs);
  timer.unref?.();
  return {
    stop: async () => {
      clearInterval(timer);
      await inFlight;
    },
  };
}

function tokenAttributes(usage: ModelUsage): Record<string, number> {
  return {
    ...(usage.promptTokens === null ? {} : { 'tether.model.prompt_tokens': usage.promptTokens }),
    ...(usage.completionTokens === null ? {} : { 'tether.model.completion_tokens': usage.completionTokens }),
  };
}

function turnLogFields(record: TurnRecord, remembered: boolean): Parameters<typeof logTurn>[0] {
  return {
    auditId: record.auditId,
    sessionId: record.sessionId,
    status: record.status,
    memoryStatus: record.memoryStatus,
    errorCode: record.errorCode,
    model: record.model,
    remembered,
    promptMessages: record.promptMessages.length,
    promptTokens: record.promptTokens,
    completionTokens: record.completionTokens,
    ttftMs: record.ttftMs,
    totalMs: record.totalMs,
    userText: record.userText,
    assistantText: record.assistantText,
  };
}

function recordOf(input: TurnInput, auditId: string, createdAt: Date, model: string): TurnRecord {
  return {
    auditId,
    sessionId: input.sessionId,
    messageId: input.messageId,
    userText: input.text,
    assistantText: null,
    status: 'pending',
    memoryStatus: 'ok',
    errorCode: null,
    errorClass: null,
    model,
    promptTokens: null,
    completionTokens: null,
    ttftMs: null,
    totalMs: null,
    contextAuditIds: [],
    promptMessages: [],
    createdAt: createdAt.toISOString(),
    completedAt: null,
    client: input.client,
  };
}

function withMemoryError(record: TurnRecord, errorClass: string): TurnRecord {
  return {
    ...record,
    errorCode: record.errorCode ?? 'memory_write_failed',
    errorClass: [record.errorClass, errorClass].filter(Boolean).join('; '),
  };
}

function memoryMessage(
  role: MemoryMessage['role'],
  text: string,
  at: Date,
  auditId: string,
  extra: { messageId?: string | null; stopped?: boolean },
): MemoryMessage {
  return {
    tokens: estimateTokens(text),
    role,
    at: at.toISOString(),
    auditId,
    ...(extra.messageId ? { messageId: extra.messageId } : {}),
    ...(extra.stopped ? { stopped: true as const } : {}),
    text,
  };
}


function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
