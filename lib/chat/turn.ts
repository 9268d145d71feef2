import type { ChatEvent } from '@/lib/chat/events';
import type { TurnRecord } from '@/lib/audit/types';
import type { ConversationStore, OpenTurn } from '@/lib/conversation/store';
import type { MemoryStatus } from '@/lib/conversation/status';
import type { Exchange, MemoryMessage, Replay } from '@/lib/conversation/types';
import { noticeFor } from '@/lib/copy/notices';
import { conversationView } from '@/lib/handoff/machine';
import { type HandoffCopy, handoffNotice } from '@/lib/handoff/notice';
import type { Presence } from '@/lib/handoff/presence';
import { ApiError, errorText } from '@/lib/errors';
import { ModelError, modelErrorOf, type ModelClient, type ModelErrorCode, type ModelUsage } from '@/lib/model/types';
import { assemblePrompt, type AssembledPrompt, type PromptLimits } from '@/lib/prompt/assemble';
import { contextTurns } from '@/lib/prompt/authors';
import { estimateTokens } from '@/lib/prompt/tokens';
import { summarizeEvicted } from '@/lib/chat/summary';
import type { StopRegistry } from '@/lib/chat/stops';
import { log } from '@/lib/observability/log';
import { withSpan, withSpanSync } from '@/lib/observability/tracing';
import { logTurn } from '@/lib/observability/turn-log';
import { rateLimitedError } from '@/lib/rate-limit/refusal';
import type { RateRule } from '@/lib/rate-limit/window';

/**
 * One chat turn, the only orchestrator: begin the conversation's turn → assemble the prompt →
 * stream the model → finish the turn. It knows interfaces, never a backend, and takes its
 * dependencies as arguments. Everything the conversation persists (memory, lease, the audit entry
 * born with each change, and what happens when Redis or Postgres is down) is the conversation
 * store's business (lib/conversation/store.ts).
 */

export interface TurnDeps {
  /** The conversation's persistence: memory, lease, turn number and the audit entry of each change. */
  conversation: Pick<ConversationStore, 'begin' | 'finish' | 'renew' | 'read' | 'saveSummary' | 'changeState'>;
  model: ModelClient;
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
    /**
     * A person stepping in (lib/handoff): what the customer is told, whether the model may ask for one,
     * after how many model errors one is asked for (0: never), and how long an agent may stay silent.
     */
    handoff: HandoffCopy & { modelTool: boolean; afterModelErrors: number; agentSilenceMs: number };
  };
  /** Whether anyone from the support team is online, for what a customer asking for a person is told. */
  presence: Presence;
  now: () => Date;
  newAuditId: () => string;
  /** Keeps work alive after the response is sent (Next's `after()`). */
  defer: (work: Promise<unknown>) => void;
}

export interface TurnInput {
  sessionId: string;
  text: string;
  messageId: string | null;
  client: TurnRecord['client'];
  /** The request's chat limits (per address, model-call budget): counted in the turn's begin. */
  limits?: ReadonlyArray<readonly [RateRule, string]>;
}

export type EmitEvent = (event: ChatEvent) => void;

export interface StartedTurn {
  auditId: string;
  /** Runs the turn to its end whatever happens to the listener, emitting events as it goes. */
  run(emit: EmitEvent): Promise<void>;
}

/**
 * Begins the turn (one round trip to memory in the normal case): 409 `turn_in_progress` when the
 * previous turn of the conversation outlasts the wait, 429 when the conversation is over its rate,
 * the stored answer for a resend.
 */
export async function startTurn(input: TurnInput, deps: TurnDeps): Promise<StartedTurn> {
  const auditId = deps.newAuditId();
  const pending = recordOf(input, auditId, deps.now(), deps.model.modelName);
  const opening = await deps.conversation.begin({
    sessionId: input.sessionId,
    auditId,
    messageId: input.messageId,
    leaseMs: deps.settings.leaseMs,
    pending,
    lockWaitMs: deps.settings.lockWaitMs,
    defer: deps.defer,
    limits: input.limits,
  });
  switch (opening.kind) {
    case 'replay':
      return replayTurn(opening.replay, opening.status);
    case 'rate_limited': {
      if (opening.by === 'client') throw rateLimitedError(Math.max(1, Math.ceil(opening.retryAfterMs / 1000)));
      const seconds = Math.max(1, Math.ceil(opening.retryAfterMs / 1000));
      throw new ApiError(
        429,
        'rate_limited',
        `You are sending messages faster than we can answer them. Please wait ${seconds} seconds and try again.`,
        { 'retry-after': String(seconds) },
      );
    }
    case 'busy':
      throw new ApiError(
        409,
        'turn_in_progress',
        'Your previous message in this conversation is still being answered. Please wait for it to finish.',
        { 'retry-after': '1' },
      );
    case 'begun': {
      let turn = opening.turn;
      if (turn.state.state === 'agent' && agentWentSilent(turn, deps)) {
        // Its agent said nothing for too long: the conversation goes back to the queue, for anyone to take.
        const released = await deps.conversation.changeState({
          sessionId: input.sessionId,
          action: { kind: 'release_silent' },
          actor: { kind: 'system' },
          auditId: deps.newAuditId(),
          now: deps.now(),
        });
        if (released.kind === 'changed') turn = { ...turn, state: released.state };
      }
      const { state } = turn.state;
      // With a person (asked for, or answering): the model is not called; the message is kept for them.
      if (state === 'waiting' || state === 'agent') return { auditId, run: (emit) => runHeld(input, deps, pending, turn, emit) };
      // The customer writes again after the conversation was resolved: the assistant has it again.
      if (state === 'resolved') {
        await deps.conversation.changeState({
          sessionId: input.sessionId,
          action: { kind: 'customer_returned' },
          actor: { kind: 'customer' },
          auditId: deps.newAuditId(),
          now: deps.now(),
        });
      }
      return { auditId, run: (emit) => runExchange(input, deps, pending, opening.turn, emit) };
    }
  }
}

/**
 * A message to a conversation a person was asked for or has: stored in memory and the audit exactly
 * as typed (status `held`), for the agent; the model is never called.
 */
async function runHeld(input: TurnInput, deps: TurnDeps, pending: TurnRecord, begun: OpenTurn, emit: EmitEvent): Promise<void> {
  const { auditId } = pending;
  const startedAt = new Date(pending.createdAt);
  const endedAt = deps.now();
  const final: TurnRecord = {
    ...pending,
    status: 'held',
    model: 'none',
    memoryStatus: begun.memory.status,
    totalMs: endedAt.getTime() - startedAt.getTime(),
    completedAt: endedAt.toISOString(),
  };
  emit({
    event: 'meta',
    data: { auditId, memory: begun.memory.status, notice: null, replay: false, conversation: conversationView(begun.state) },
  });
  const exchange: Exchange = { user: memoryMessage('user', input.text, startedAt, auditId, { messageId: input.messageId }), assistant: null };
  const stored = await deps.conversation.finish(begun, { kind: 'exchange', exchange, final, now: endedAt });
  logTurn(turnLogFields(final, stored.kind === 'stored'));
  emit({ event: 'done', data: { auditId, reply: '', remembered: stored.kind === 'stored', held: true } });
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

async function runExchange(input: TurnInput, deps: TurnDeps, pending: TurnRecord, begun: OpenTurn, emit: EmitEvent): Promise<void> {
  const { memory } = begun;
  const startedAt = new Date(pending.createdAt);
  const prompt: AssembledPrompt = withSpanSync('tether.prompt.assemble', {}, (span) => {
    const assembled = assemblePrompt({
      systemPrompt: deps.settings.systemPrompt,
      summary: memory.summary,
      turns: contextTurns(memory.messages),
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
  /** The model's reason when it asked for a person (the handoff_to_human tool). */
  let handoff: string | null = null;
  const offerHandoff = deps.settings.handoff.modelTool;
  let usage: ModelUsage = { promptTokens: null, completionTokens: null };
  let firstTokenAt: number | null = null;
  let outcome: Outcome;
  try {
    await withSpan('tether.model', { 'tether.model.name': deps.model.modelName }, async (span) => {
      for await (const chunk of deps.model.stream(prompt.messages, controller.signal, { offerHandoff })) {
        if (chunk.type === 'usage') {
          usage = chunk.usage;
          continue;
        }
        if (chunk.type === 'handoff') {
          handoff = chunk.reason;
          continue;
        }
        firstTokenAt ??= deps.now().getTime();
        reply += chunk.text;
        emit({ event: 'delta', data: { text: chunk.text } });
      }
      span.setAttributes({ 'tether.model.reply_chars': reply.length, ...tokenAttributes(usage) });
      // A model client may end quietly when its signal is aborted (the demo model does): that is a stop.
      if (controller.signal.aborted) throw new ModelError('model_aborted', 'stopped by the customer', reply !== '');
      if (handoff !== null && reply.trim() === '') {
        // The model only asked for a person: the customer reads the deployment's handover words as its reply.
        reply = deps.settings.handoff.message;
        firstTokenAt ??= deps.now().getTime();
        emit({ event: 'delta', data: { text: reply } });
      }
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
    log.warn('turn failed', { auditId, errorCode: outcome.code, detail: outcome.detail });
    const final: TurnRecord = {
      ...base,
      ...timings,
      status: outcome.code === 'model_aborted' ? 'aborted' : 'model_error',
      assistantText: outcome.reply === '' ? null : outcome.reply,
      errorCode: outcome.code,
      errorClass: base.errorClass ?? 'ModelError',
    };
    // Memory keeps only exchanges the customer saw answered: a failed turn stores nothing there.
    const recorded = await deps.conversation.finish(begun, { kind: 'record', final });
    const { afterModelErrors } = deps.settings.handoff;
    const errors = recorded.kind === 'recorded' ? (recorded.modelErrors ?? 0) : 0;
    // The model keeps failing this customer: a person is asked for (the rule's reason, in the audit).
    if (afterModelErrors > 0 && errors >= afterModelErrors) await escalate(input, deps, 'model_errors', null, emit);
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
  const stored = await deps.conversation.finish(begun, { kind: 'exchange', exchange, final, now: endedAt });
  logTurn(turnLogFields(final, stored.kind === 'stored'));
  if (stored.kind === 'duplicate') {
    // The same message was answered meanwhile (this attempt began without memory): that answer stands.
    emit({ event: 'done', data: { auditId: stored.replay.auditId, reply: stored.replay.reply, remembered: true, replay: true } });
    return;
  }
  if (handoff !== null && !stopped) await escalate(input, deps, 'model_escalated', handoff, emit);
  emit({
    event: 'done',
    data: { auditId, reply: outcome.reply, remembered: stored.kind === 'stored', ...(stopped ? { stopped: true } : {}) },
  });
  if (stored.kind === 'stored' && stored.evicted.length > 0 && deps.settings.summary.enabled) {
    deps.defer(
      summarizeEvicted(input.sessionId, stored.evicted, {
        memory: deps.conversation,
        model: deps.model,
        maxTokens: deps.settings.summary.maxTokens,
      }),
    );
  }
}

/** Whether the conversation's agent has said nothing for longer than the deployment allows. */
function agentWentSilent(turn: OpenTurn, deps: TurnDeps): boolean {
  const last = Date.parse(turn.lastAgentAt ?? turn.state.since);
  return Number.isFinite(last) && deps.now().getTime() - last > deps.settings.handoff.agentSilenceMs;
}

/**
 * A person is asked for by the assistant's side (the model's tool call, or the model-errors rule):
 * the conversation waits for one, and the customer is told what happens next.
 */
async function escalate(
  input: TurnInput,
  deps: TurnDeps,
  reason: 'model_escalated' | 'model_errors',
  detail: string | null,
  emit: EmitEvent,
): Promise<void> {
  const changed = await deps.conversation.changeState({
    sessionId: input.sessionId,
    action: { kind: 'request', reason },
    actor: reason === 'model_errors' ? { kind: 'system' } : { kind: 'assistant' },
    detail: detail || null,
    auditId: deps.newAuditId(),
    now: deps.now(),
  });
  if (changed.kind !== 'changed' && changed.kind !== 'unchanged') return;
  const { notice } = await handoffNotice(deps.presence, deps.settings.handoff);
  emit({ event: 'handoff', data: { conversation: conversationView(changed.state), notice } });
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
    inFlight = deps.conversation
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
