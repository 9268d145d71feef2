import type { ChatEvent, MemoryStatus } from '@/lib/chat/events';
import type { TurnRecord } from '@/lib/audit/types';
import { ApiError } from '@/lib/errors';
import { classifyRedisError } from '@/lib/memory/redis-store';
import type { LoadedMemory, MemoryMessage, MemoryStore } from '@/lib/memory/types';
import { ModelError, type ModelClient, type ModelUsage } from '@/lib/model/types';
import { assemblePrompt, type AssembledPrompt, type PromptLimits } from '@/lib/prompt/assemble';
import { estimateTokens } from '@/lib/prompt/tokens';
import { summarizeEvicted } from '@/lib/chat/summary';
import { withSpan, withSpanSync } from '@/lib/observability/tracing';
import { logTurn } from '@/lib/observability/turn-log';

/**
 * One chat turn, the only orchestrator of memory, prompt, model and audit. It takes its
 * dependencies as arguments, so tests run it with the real stores or with fakes.
 */

export interface TurnDeps {
  memory: MemoryStore;
  model: ModelClient;
  audit: { record(record: TurnRecord): Promise<void> };
  settings: {
    systemPrompt: string;
    limits: PromptLimits;
    /** How long a turn waits for the previous turn of its session before answering 409. */
    lockWaitMs: number;
    /** How long a turn may hold its session's lock (longer than any model call). */
    lockTtlMs: number;
    summary: { enabled: boolean; maxTokens: number };
  };
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

/**
 * Loads memory and takes the session's turn lock (one round trip), waiting a bounded time for a
 * turn already in progress. Throws 409 `turn_in_progress` when the wait runs out.
 */
export async function startTurn(input: TurnInput, deps: TurnDeps): Promise<StartedTurn> {
  const auditId = deps.newAuditId();
  const deadline = Date.now() + deps.settings.lockWaitMs;
  let attempt = 0;
  for (;;) {
    const begun = await withSpan('tether.memory.load', { 'tether.attempt': attempt }, async (span) => {
      const result = await deps.memory.begin(input.sessionId, auditId, deps.settings.lockTtlMs);
      span.setAttribute('tether.memory.result', result.kind);
      if (result.kind === 'loaded') {
        span.setAttributes({ 'tether.memory.status': result.memory.status, 'tether.memory.messages': result.memory.messages.length });
      }
      return result;
    });
    if (begun.kind === 'loaded') {
      const replay = findReplay(begun.memory, input.messageId);
      if (replay) {
        if (begun.locked) await releaseQuietly(deps.memory, input.sessionId, auditId);
        return { auditId: replay.auditId, run: async (emit) => emitReplay(emit, begun.memory.status, replay) };
      }
      return { auditId, run: (emit) => runExchange(input, deps, auditId, begun.memory, begun.locked, emit) };
    }
    if (begun.kind === 'rate_limited') {
      const seconds = Math.max(1, Math.ceil(begun.retryAfterMs / 1000));
      throw new ApiError(
        429,
        'rate_limited',
        `You are sending messages faster than we can answer them. Please wait ${seconds} seconds and try again.`,
        { 'retry-after': String(seconds) },
      );
    }
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
  }
}

interface Replay {
  auditId: string;
  reply: string;
}

/** A resend of a message already answered gets the stored answer, not a second exchange. */
function findReplay(memory: LoadedMemory, messageId: string | null): Replay | null {
  if (!messageId) return null;
  const index = memory.messages.findIndex((m) => m.role === 'user' && m.messageId === messageId);
  const answer = index >= 0 ? memory.messages[index + 1] : undefined;
  return answer?.role === 'assistant' ? { auditId: answer.auditId, reply: answer.text } : null;
}

function emitReplay(emit: EmitEvent, status: MemoryStatus, replay: Replay): void {
  emit({ event: 'meta', data: { auditId: replay.auditId, memory: status, notice: null, replay: true } });
  emit({ event: 'delta', data: { text: replay.reply } });
  emit({ event: 'done', data: { auditId: replay.auditId, reply: replay.reply, remembered: true } });
}

async function runExchange(
  input: TurnInput,
  deps: TurnDeps,
  auditId: string,
  memory: LoadedMemory,
  locked: boolean,
  emit: EmitEvent,
): Promise<void> {
  const startedAt = deps.now();
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
  const base: TurnRecord = {
    auditId,
    sessionId: input.sessionId,
    messageId: input.messageId,
    userText: input.text,
    assistantText: null,
    status: 'pending',
    memoryStatus: memory.status,
    errorCode: null,
    errorClass: memory.status === 'unavailable' ? `memory_load:${memory.errorClass}` : null,
    model: deps.model.modelName,
    promptTokens: null,
    completionTokens: null,
    ttftMs: null,
    totalMs: null,
    contextAuditIds: prompt.includedAuditIds,
    promptMessages: prompt.messages,
    createdAt: startedAt.toISOString(),
    completedAt: null,
    client: input.client,
  };
  // Written now, off the critical path, so a turn that never completes is still visible.
  deps.defer(auditWrite(deps, base));
  emit({ event: 'meta', data: { auditId, memory: memory.status, notice: noticeFor(memory.status), replay: false } });

  let reply = '';
  let usage: ModelUsage = { promptTokens: null, completionTokens: null };
  let firstTokenAt: number | null = null;
  try {
    await withSpan('tether.model', { 'tether.model.name': deps.model.modelName }, async (span) => {
      for await (const chunk of deps.model.stream(prompt.messages)) {
        if (chunk.type === 'usage') {
          usage = chunk.usage;
          continue;
        }
        firstTokenAt ??= deps.now().getTime();
        reply += chunk.text;
        emit({ event: 'delta', data: { text: chunk.text } });
      }
      span.setAttributes({ 'tether.model.reply_chars': reply.length, ...tokenAttributes(usage) });
      if (reply.trim() === '') throw new ModelError('model_empty', 'the model returned only whitespace', false);
    });
  } catch (error) {
    const failure =
      error instanceof ModelError ? error : new ModelError('model_unavailable', String(error), reply !== '');
    console.warn(`[tether] turn ${auditId} failed: ${failure.code} (${failure.message})`);
    emit({ event: 'error', data: { code: failure.code, message: failure.userMessage } });
    // Memory keeps only whole exchanges: a failed turn stores nothing there, the audit keeps it all.
    if (locked) await releaseQuietly(deps.memory, input.sessionId, auditId);
    const endedAt = deps.now();
    const failed: TurnRecord = {
      ...base,
      status: failure.code === 'model_aborted' ? 'aborted' : 'model_error',
      assistantText: reply === '' ? null : reply,
      errorCode: failure.code,
      errorClass: base.errorClass ?? failure.name,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      ttftMs: firstTokenAt === null ? null : firstTokenAt - startedAt.getTime(),
      totalMs: endedAt.getTime() - startedAt.getTime(),
      completedAt: endedAt.toISOString(),
    };
    deps.defer(auditWrite(deps, failed));
    logTurn(turnLogFields(failed, false));
    return;
  }

  const endedAt = deps.now();
  const exchange = {
    user: memoryMessage('user', input.text, startedAt, auditId, input.messageId),
    assistant: memoryMessage('assistant', reply, endedAt, auditId, null),
  };
  let memoryWriteError: string | null = null;
  try {
    const stored = await withSpan('tether.memory.append', {}, async (span) => {
      const result = await deps.memory.append(input.sessionId, exchange, {
        lockToken: locked ? auditId : '',
        // A record we could not parse is replaced; after a mere outage the exchange is appended, so a
        // blip does not cost the customer the rest of their history.
        fresh: memory.status === 'unavailable' && memory.errorClass === 'corrupt_record',
        now: endedAt,
      });
      span.setAttribute('tether.memory.result', result.kind);
      return result;
    });
    if (stored.kind === 'locked') memoryWriteError = 'memory_write:locked';
    else if (stored.evicted.length > 0 && deps.settings.summary.enabled) {
      deps.defer(
        summarizeEvicted(input.sessionId, stored.evicted, {
          memory: deps.memory,
          model: deps.model,
          maxTokens: deps.settings.summary.maxTokens,
        }),
      );
    }
  } catch (error) {
    memoryWriteError = `memory_write:${classifyRedisError(error)}`;
    console.warn(`[tether] turn ${auditId}: reply not remembered (${memoryWriteError})`);
  }

  emit({ event: 'done', data: { auditId, reply, remembered: memoryWriteError === null } });
  const finished: TurnRecord = {
    ...base,
    status: 'ok',
    assistantText: reply,
    errorCode: memoryWriteError === null ? null : 'memory_write_failed',
    errorClass: [base.errorClass, memoryWriteError].filter(Boolean).join('; ') || null,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    ttftMs: firstTokenAt === null ? null : firstTokenAt - startedAt.getTime(),
    totalMs: endedAt.getTime() - startedAt.getTime(),
    completedAt: endedAt.toISOString(),
  };
  deps.defer(auditWrite(deps, finished));
  logTurn(turnLogFields(finished, memoryWriteError === null));
}

function auditWrite(deps: TurnDeps, record: TurnRecord): Promise<void> {
  return withSpan('tether.audit.write', { 'tether.turn.status': record.status }, () => deps.audit.record(record));
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

function memoryMessage(
  role: MemoryMessage['role'],
  text: string,
  at: Date,
  auditId: string,
  messageId: string | null,
): MemoryMessage {
  return {
    role,
    text,
    at: at.toISOString(),
    tokens: estimateTokens(text),
    auditId,
    ...(messageId ? { messageId } : {}),
  };
}

async function releaseQuietly(memory: MemoryStore, sessionId: string, token: string): Promise<void> {
  try {
    await memory.release(sessionId, token);
  } catch (error) {
    // The lock expires by itself (lockTtlMs); the customer is not kept waiting on it.
    console.warn('[tether] could not release a turn lock:', error instanceof Error ? error.message : error);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
