import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditEntry } from '@/lib/audit/types';
import type { DurableFacts, DurableRecord } from '@/lib/conversation/durable';
import type { ChatEvent } from '@/lib/chat/events';
import { StopRegistry } from '@/lib/chat/stops';
import { startTurn, type TurnDeps, type TurnInput } from '@/lib/chat/turn';
import { ConversationStore } from '@/lib/conversation/store';
import { noticeFor } from '@/lib/copy/notices';
import { isApiError } from '@/lib/errors';
import type {
  BeginRequest,
  BeginResult,
  CommitRequest,
  CommitResult,
  LeaseState,
  LoadedMemory,
  MemoryMessage,
  MemoryStore,
  RecordRequest,
  RecordResult,
  AppendResult,
  StateChangeResult,
  StateRead,
} from '@/lib/conversation/types';
import { INITIAL_STATE } from '@/lib/handoff/machine';
import { ModelError, userMessageFor, type ModelChunk, type ModelClient, type ModelErrorCode } from '@/lib/model/types';
import type { ModelMessage } from '@/lib/prompt/assemble';

const SESSION = 's1.turn-under-test';
const PREVIOUS_AUDIT = '11111111-1111-4111-8111-111111111111';

/** A memory store whose every answer the test scripts; it keeps every call it received. */
class ScriptedMemory implements MemoryStore {
  readonly kind = 'local' as const;
  readonly begins: BeginRequest[] = [];
  readonly commits: CommitRequest[] = [];
  readonly records: RecordRequest[] = [];
  readonly renewals: { sessionId: string; auditId: string; leaseMs: number; at: number }[] = [];
  onBegin: (request: BeginRequest, call: number) => BeginResult | Promise<BeginResult> = () => begunWith(okMemory(), 4);
  onCommit: (request: CommitRequest) => CommitResult | Promise<CommitResult> = (request) => ({
    kind: 'stored',
    seq: request.seq ?? 99,
    evicted: [],
  });
  onRecord: (request: RecordRequest) => RecordResult | Promise<RecordResult> = (request) => ({
    kind: 'recorded',
    seq: request.seq ?? 99,
  });
  onRenew: () => LeaseState | Promise<LeaseState> = () => 'held';

  async begin(request: BeginRequest): Promise<BeginResult> {
    this.begins.push(structuredClone(request));
    return this.onBegin(request, this.begins.length);
  }
  async commit(request: CommitRequest): Promise<CommitResult> {
    this.commits.push(structuredClone(request));
    return this.onCommit(request);
  }
  async record(request: RecordRequest): Promise<RecordResult> {
    this.records.push(structuredClone(request));
    return this.onRecord(request);
  }
  async renew(sessionId: string, auditId: string, leaseMs: number): Promise<LeaseState> {
    this.renewals.push({ sessionId, auditId, leaseMs, at: Date.now() });
    return this.onRenew();
  }
  async requestStop(): Promise<void> {}
  async read(): Promise<LoadedMemory> {
    return okMemory();
  }
  async register(): Promise<void> {}
  async saveSummary(): Promise<void> {}
  async remove(): Promise<void> {}
  // The turn reads who answers the conversation from begin; state changes are the handoff's tests.
  async readState(): Promise<StateRead> {
    return { kind: 'read', state: { eventSeq: 0, snapshot: INITIAL_STATE } };
  }
  async changeState(): Promise<StateChangeResult> {
    throw new Error('not used by the turn');
  }
  async appendMessage(): Promise<AppendResult> {
    throw new Error('not used by the turn');
  }
  async leasesHeld(): Promise<Set<string>> {
    return new Set();
  }
}

type Script = (signal: AbortSignal | undefined) => AsyncGenerator<ModelChunk>;

/** A model that plays a script and remembers the prompts it was sent. */
class ScriptedModel implements ModelClient {
  readonly modelName = 'mock-model';
  readonly prompts: ModelMessage[][] = [];
  constructor(private readonly script: Script) {}
  stream(messages: ModelMessage[], signal?: AbortSignal): AsyncIterable<ModelChunk> {
    this.prompts.push(messages);
    return this.script(signal);
  }
  async complete(): Promise<string> {
    return 'summary';
  }
}

function replying(...parts: string[]): Script {
  return async function* () {
    for (const text of parts) yield { type: 'delta', text };
    yield { type: 'usage', usage: { promptTokens: 21, completionTokens: 5 } };
  };
}

/** A model error as another copy of the module would make it: a plain object, no class at all. */
function plainModelError(code: ModelErrorCode): { kind: 'model_error'; code: ModelErrorCode; message: string } {
  return { kind: 'model_error', code, message: `provider said ${code}` };
}

/** Waits until the turn's signal is aborted, then fails the way the real client does (model_aborted). */
function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(plainModelError('model_aborted'));
    if (!signal) return;
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function message(role: MemoryMessage['role'], text: string): MemoryMessage {
  return { role, text, tokens: 5, at: '2025-05-01T09:59:00.000Z', auditId: PREVIOUS_AUDIT };
}

function okMemory(): LoadedMemory {
  return {
    status: 'ok',
    messages: [message('user', 'My name is Ada.'), message('assistant', 'Hello Ada.')],
    summary: null,
    createdAt: '2025-05-01T09:59:00.000Z',
  };
}

function emptyMemory(status: 'new' | 'expired'): LoadedMemory {
  return { status, messages: [], summary: null, createdAt: null };
}

function begunWith(memory: LoadedMemory, seq: number): BeginResult {
  return { kind: 'begun', seq, memory, state: INITIAL_STATE };
}

class FakeDurable implements DurableRecord {
  readonly lookups: { sessionId: string; messageId: string | null }[] = [];
  constructor(private readonly answer: () => DurableFacts | Promise<DurableFacts>) {}
  async lookup(sessionId: string, messageId: string | null): Promise<DurableFacts> {
    this.lookups.push({ sessionId, messageId });
    return this.answer();
  }
}

interface Harness {
  deps: TurnDeps;
  memory: ScriptedMemory;
  model: ScriptedModel;
  durable: FakeDurable;
  written: AuditEntry[];
  deferred: Promise<unknown>[];
}

function harness(
  options: {
    script?: Script;
    durable?: () => DurableFacts | Promise<DurableFacts>;
    lockWaitMs?: number;
    leaseMs?: number;
  } = {},
): Harness {
  const memory = new ScriptedMemory();
  const model = new ScriptedModel(options.script ?? replying('Hello', ' there'));
  const durable = new FakeDurable(options.durable ?? (() => ({ known: false, seed: { seq: 0, kept: 0 }, replay: null })));
  const written: AuditEntry[] = [];
  const deferred: Promise<unknown>[] = [];
  const conversation = new ConversationStore({
    backend: memory,
    durable,
    audit: {
      async write(entry) {
        written.push(structuredClone(entry));
      },
    },
  });
  const deps: TurnDeps = {
    conversation,
    model,
    stops: new StopRegistry(),
    settings: {
      systemPrompt: 'You are the support assistant of Tether.',
      limits: { maxTurns: 10, maxContextTokens: 4_000, messageMaxChars: 2_000 },
      lockWaitMs: options.lockWaitMs ?? 300,
      leaseMs: options.leaseMs ?? 4_000,
      summary: { enabled: false, maxTokens: 100 },
      // The handoff tool is the handoff tests' subject (tests/integration/handoff).
      handoff: { message: 'A person will join.', offlineMessage: 'Nobody is here.', modelTool: false, afterModelErrors: 0, agentSilenceMs: 600_000 },
    },
    presence: { agentsOnline: async () => 0 },
    now: () => new Date(),
    newAuditId: () => randomUUID(),
    defer: (work) => {
      deferred.push(work);
    },
  };
  return { deps, memory, model, durable, written, deferred };
}

function input(overrides: Partial<TurnInput> = {}): TurnInput {
  return {
    sessionId: SESSION,
    text: 'Where is my parcel?',
    messageId: 'm-1',
    client: { userAgent: 'vitest', ipHash: null, origin: null },
    ...overrides,
  };
}

// The turn logs its degraded paths for operators; keep test output to what fails.
beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function play(h: Harness, turnInput = input(), onEvent?: (event: ChatEvent, auditId: string) => void) {
  const started = await startTurn(turnInput, h.deps);
  const events: ChatEvent[] = [];
  await started.run((event) => {
    events.push(event);
    onEvent?.(event, started.auditId);
  });
  return { auditId: started.auditId, events };
}

function eventsOf(events: ChatEvent[], name: ChatEvent['event']) {
  return events.filter((e) => e.event === name).map((e) => e.data);
}

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the turn to be refused');
}

describe('a normal turn', () => {
  it('begins, streams meta/delta/done, and commits the exchange with its final record and the seq from begin', async () => {
    const h = harness();
    const { auditId, events } = await play(h);

    expect(events).toEqual([
      { event: 'meta', data: { auditId, memory: 'ok', notice: null, replay: false } },
      { event: 'delta', data: { text: 'Hello' } },
      { event: 'delta', data: { text: ' there' } },
      { event: 'done', data: { auditId, reply: 'Hello there', remembered: true } },
    ]);

    expect(h.memory.begins).toHaveLength(1);
    const begin = h.memory.begins[0]!;
    expect(begin).toMatchObject({ sessionId: SESSION, auditId, messageId: 'm-1', seed: null, leaseMs: 4_000 });
    expect(begin.pending).toMatchObject({ auditId, status: 'pending', userText: 'Where is my parcel?', assistantText: null });

    expect(h.memory.commits).toHaveLength(1);
    const commit = h.memory.commits[0]!;
    expect(commit).toMatchObject({ sessionId: SESSION, auditId, seq: 4, seed: null, fresh: false });
    expect(commit.exchange.user).toMatchObject({ role: 'user', text: 'Where is my parcel?', messageId: 'm-1', auditId });
    expect(commit.exchange.assistant).toMatchObject({ role: 'assistant', text: 'Hello there', auditId });
    expect(commit.exchange.assistant?.stopped).toBeUndefined();
    expect(commit.final).toMatchObject({
      auditId,
      status: 'ok',
      assistantText: 'Hello there',
      errorCode: null,
      memoryStatus: 'ok',
      promptTokens: 21,
      completionTokens: 5,
      contextAuditIds: [PREVIOUS_AUDIT],
    });
    expect(commit.final.completedAt).not.toBeNull();

    // The model saw the remembered exchange before the new message.
    expect(h.model.prompts[0]!.map((m) => m.content)).toEqual(
      expect.arrayContaining(['My name is Ada.', 'Hello Ada.', 'Where is my parcel?']),
    );
    expect(h.memory.records).toEqual([]);
    expect(h.written).toEqual([]);
  });
});

describe('who the customer is', () => {
  it('asks the durable record when memory is unseeded, then begins again with its seed (expired notice)', async () => {
    const h = harness({ durable: () => ({ known: true, seed: { seq: 6, kept: 3 }, replay: null }) });
    h.memory.onBegin = (request) => (request.seed ? begunWith(emptyMemory('expired'), 7) : { kind: 'unseeded' });
    const { events } = await play(h);

    expect(h.durable.lookups).toEqual([{ sessionId: SESSION, messageId: 'm-1' }]);
    expect(h.memory.begins.map((b) => b.seed)).toEqual([null, { seq: 6, kept: 3 }]);
    expect(eventsOf(events, 'meta')[0]).toMatchObject({ memory: 'expired', notice: noticeFor('expired') });
    expect(noticeFor('expired')).toMatch(/no longer available/);
    expect(h.memory.commits[0]).toMatchObject({ seq: 7, seed: { seq: 6, kept: 3 }, final: { memoryStatus: 'expired' } });
  });

  it('answers a resend the durable record already answered, without running the model', async () => {
    const h = harness({
      durable: () => ({ known: true, seed: { seq: 6, kept: 3 }, replay: { auditId: PREVIOUS_AUDIT, reply: 'It shipped.' } }),
    });
    h.memory.onBegin = () => ({ kind: 'unseeded' });
    const { auditId, events } = await play(h);
    expect(auditId).toBe(PREVIOUS_AUDIT);
    expect(eventsOf(events, 'done')).toEqual([{ auditId: PREVIOUS_AUDIT, reply: 'It shipped.', remembered: true }]);
    expect(eventsOf(events, 'meta')[0]).toMatchObject({ replay: true });
    expect(h.model.prompts).toEqual([]);
    expect(h.memory.commits).toEqual([]);
    expect(h.memory.records).toEqual([]);
  });

  it('reports memory as unavailable (never a silent "new") when the durable lookup fails', async () => {
    const h = harness({
      durable: () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    });
    h.memory.onBegin = (request) => (request.seed ? begunWith(emptyMemory('new'), 1) : { kind: 'unseeded' });
    const { events } = await play(h);

    const meta = eventsOf(events, 'meta')[0];
    expect(meta).toMatchObject({ memory: 'unavailable', notice: noticeFor('unavailable') });
    expect(meta).not.toMatchObject({ memory: 'new' });
    const commit = h.memory.commits[0]!;
    expect(commit.final.memoryStatus).toBe('unavailable');
    expect(commit.final.errorClass).toContain('durable_lookup');
    // The turn still answers.
    expect(eventsOf(events, 'done')[0]).toMatchObject({ reply: 'Hello there', remembered: true });
  });
});

describe('refusals before the model runs', () => {
  it('waits for a turn in progress, then answers 409 turn_in_progress after lockWaitMs', async () => {
    const h = harness({ lockWaitMs: 300 });
    h.memory.onBegin = () => ({ kind: 'busy' });
    const started = Date.now();
    const error = await refusal(startTurn(input(), h.deps));
    const waited = Date.now() - started;

    expect(isApiError(error)).toBe(true);
    expect(error).toMatchObject({ status: 409, code: 'turn_in_progress' });
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(1_500);
    expect(h.memory.begins.length).toBeGreaterThan(1);
    expect(h.model.prompts).toEqual([]);
  });

  it('runs once the previous turn finishes within the wait', async () => {
    const h = harness({ lockWaitMs: 2_000 });
    h.memory.onBegin = (_request, call) => (call < 3 ? { kind: 'busy' } : begunWith(okMemory(), 9));
    const { events } = await play(h);
    expect(h.memory.begins).toHaveLength(3);
    expect(eventsOf(events, 'done')[0]).toMatchObject({ reply: 'Hello there' });
    expect(h.memory.commits[0]).toMatchObject({ seq: 9 });
  });

  it('answers 429 rate_limited with retry-after in whole seconds', async () => {
    const h = harness();
    h.memory.onBegin = () => ({ kind: 'rate_limited', by: 'conversation', retryAfterMs: 12_300 });
    const error = await refusal(startTurn(input(), h.deps));
    expect(isApiError(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', headers: { 'retry-after': '13' } });
    expect(h.model.prompts).toEqual([]);
  });

  it('over a chat limit counted in the begin: the same 429 as the per-address check before it, nothing runs', async () => {
    const h = harness();
    h.memory.onBegin = () => ({ kind: 'rate_limited', by: 'client', retryAfterMs: 4200 });
    const error = await refusal(startTurn(input(), h.deps));
    expect(error).toMatchObject({
      status: 429,
      code: 'rate_limited',
      message: 'Too many requests. Please wait a moment and try again.',
      headers: { 'retry-after': '5' },
    });
    expect(h.model.prompts).toEqual([]);
  });

  it('answers a resend memory recognises at begin with the stored reply; nothing is committed', async () => {
    const h = harness();
    h.memory.onBegin = () => ({ kind: 'replay', replay: { auditId: PREVIOUS_AUDIT, reply: 'Hello Ada.' } });
    const { auditId, events } = await play(h);
    expect(auditId).toBe(PREVIOUS_AUDIT);
    expect(events).toEqual([
      { event: 'meta', data: { auditId: PREVIOUS_AUDIT, memory: 'ok', notice: null, replay: true } },
      { event: 'delta', data: { text: 'Hello Ada.' } },
      { event: 'done', data: { auditId: PREVIOUS_AUDIT, reply: 'Hello Ada.', remembered: true } },
    ]);
    expect(h.model.prompts).toEqual([]);
    expect(h.memory.commits).toEqual([]);
    expect(h.memory.records).toEqual([]);
    expect(h.written).toEqual([]);
  });
});

describe('when memory fails', () => {
  it('runs the exchange after an unavailable begin and commits it with seq null and the durable seed', async () => {
    const h = harness({ durable: () => ({ known: true, seed: { seq: 3, kept: 2 }, replay: null }) });
    h.memory.onBegin = () => ({ kind: 'unavailable', errorClass: 'timeout' });
    const { events } = await play(h);

    expect(eventsOf(events, 'meta')[0]).toMatchObject({ memory: 'unavailable', notice: noticeFor('unavailable') });
    expect(eventsOf(events, 'done')[0]).toMatchObject({ reply: 'Hello there', remembered: true });
    const commit = h.memory.commits[0]!;
    expect(commit).toMatchObject({ seq: null, seed: { seq: 3, kept: 2 }, fresh: false });
    expect(commit.final).toMatchObject({ status: 'ok', memoryStatus: 'unavailable', errorClass: 'memory_load:timeout' });
    // Without a lease there is nothing to renew.
    expect(h.memory.renewals).toEqual([]);
  });

  it('writes the final record to the audit exactly once when commit throws, and says the reply was not remembered', async () => {
    const h = harness();
    h.memory.onCommit = () => {
      throw Object.assign(new Error('The operation timed out'), { name: 'TimeoutError' });
    };
    const { auditId, events } = await play(h);

    expect(eventsOf(events, 'done')).toEqual([{ auditId, reply: 'Hello there', remembered: false }]);
    expect(h.written).toHaveLength(1);
    expect(h.written[0]).toMatchObject({
      kind: 'final',
      seq: 4,
      record: { auditId, status: 'ok', assistantText: 'Hello there', errorCode: 'memory_write_failed' },
    });
    expect((h.written[0]!.record as { errorClass: string }).errorClass).toContain('memory_write:timeout');
    expect(h.memory.records).toEqual([]);
    // The lease is given back once memory answers again, so the next message is not kept waiting.
    await Promise.all(h.deferred);
    expect(h.memory.renewals).toContainEqual(expect.objectContaining({ sessionId: SESSION, auditId, leaseMs: 1 }));
  });

  it('hands the final record to memory.record when commit answers locked', async () => {
    const h = harness();
    h.memory.onCommit = () => ({ kind: 'locked' });
    const { auditId, events } = await play(h);

    expect(eventsOf(events, 'done')).toEqual([{ auditId, reply: 'Hello there', remembered: false }]);
    expect(h.memory.records).toHaveLength(1);
    expect(h.memory.records[0]).toMatchObject({
      sessionId: SESSION,
      auditId,
      seq: 4,
      entry: { kind: 'final', seq: 4, record: { auditId, status: 'ok', errorCode: 'memory_write_failed' } },
    });
    const entry = h.memory.records[0]!.entry;
    expect(entry.kind === 'final' && entry.record.errorClass).toContain('memory_write:locked');
    expect(h.written).toEqual([]);
  });

  it('voids its own record and answers with the stored reply when commit finds a duplicate', async () => {
    const h = harness();
    h.memory.onCommit = () => ({ kind: 'duplicate', replay: { auditId: PREVIOUS_AUDIT, reply: 'The first answer.' } });
    const { auditId, events } = await play(h);

    expect(eventsOf(events, 'done')).toEqual([
      { auditId: PREVIOUS_AUDIT, reply: 'The first answer.', remembered: true, replay: true },
    ]);
    expect(h.memory.records).toHaveLength(1);
    expect(h.memory.records[0]!.entry).toEqual({ kind: 'void', seq: 4, record: { auditId, sessionId: SESSION } });
    expect(h.written).toEqual([]);
  });

  it('writes the failure record to the audit directly when memory.record throws', async () => {
    const h = harness({
      script: async function* () {
        throw plainModelError('model_timeout');
      },
    });
    h.memory.onRecord = () => {
      throw Object.assign(new Error('fetch failed'), { name: 'TypeError' });
    };
    const { auditId } = await play(h);
    expect(h.written).toHaveLength(1);
    expect(h.written[0]).toMatchObject({ kind: 'final', seq: 4, record: { auditId, status: 'model_error', errorCode: 'model_timeout' } });
  });
});

describe('model failures', () => {
  const codes: ModelErrorCode[] = [
    'model_rate_limited',
    'model_unavailable',
    'model_timeout',
    'model_stream_broken',
    'model_empty',
    'model_rejected',
  ];

  it.each(codes)('%s (a plain object, no class): error event with that code, audited as model_error', async (code) => {
    const h = harness({
      script: async function* () {
        throw plainModelError(code);
      },
    });
    const { auditId, events } = await play(h);

    expect(events.map((e) => e.event)).toEqual(['meta', 'error']);
    expect(eventsOf(events, 'error')).toEqual([{ code, message: userMessageFor(code) }]);
    expect(h.memory.commits).toEqual([]);
    expect(h.memory.records).toHaveLength(1);
    expect(h.memory.records[0]).toMatchObject({
      auditId,
      seq: 4,
      entry: { kind: 'final', seq: 4, record: { auditId, status: 'model_error', errorCode: code, assistantText: null } },
    });
    expect(h.written).toEqual([]);
  });

  it('reads the code of a real ModelError too', async () => {
    const h = harness({
      script: async function* () {
        throw new ModelError('model_rate_limited', '429 from the provider', false);
      },
    });
    const { events } = await play(h);
    expect(eventsOf(events, 'error')).toEqual([{ code: 'model_rate_limited', message: userMessageFor('model_rate_limited') }]);
    expect(h.memory.records[0]!.entry).toMatchObject({ record: { status: 'model_error', errorCode: 'model_rate_limited' } });
  });

  it('treats a reply of only whitespace as model_empty', async () => {
    const h = harness({ script: replying('  ', '\n') });
    const { events } = await play(h);
    expect(eventsOf(events, 'error')).toEqual([{ code: 'model_empty', message: userMessageFor('model_empty') }]);
    expect(h.memory.commits).toEqual([]);
    expect(h.memory.records[0]!.entry).toMatchObject({ kind: 'final', record: { status: 'model_error', errorCode: 'model_empty' } });
  });

  it('keeps the partial text of a stream that broke, in the audit only', async () => {
    const h = harness({
      script: async function* () {
        yield { type: 'delta', text: 'Your parcel' };
        throw plainModelError('model_stream_broken');
      },
    });
    const { events } = await play(h);
    expect(events.map((e) => e.event)).toEqual(['meta', 'delta', 'error']);
    expect(eventsOf(events, 'error')[0]).toMatchObject({ code: 'model_stream_broken' });
    expect(h.memory.commits).toEqual([]);
    expect(h.memory.records[0]!.entry).toMatchObject({
      record: { status: 'model_error', errorCode: 'model_stream_broken', assistantText: 'Your parcel' },
    });
  });

  it('reports an unrecognised failure as model_unavailable, never a stack trace', async () => {
    const h = harness({
      script: async function* () {
        throw new Error('socket hang up at /srv/app/node_modules/x.js:12');
      },
    });
    const { events } = await play(h);
    expect(eventsOf(events, 'error')).toEqual([{ code: 'model_unavailable', message: userMessageFor('model_unavailable') }]);
    expect(h.memory.records[0]!.entry).toMatchObject({ record: { status: 'model_error', errorCode: 'model_unavailable' } });
  });

  it('does not take an object with a wrong kind for a model error', async () => {
    const h = harness({
      script: async function* () {
        throw { kind: 'something_else', code: 'model_timeout', message: 'not ours' };
      },
    });
    const { events } = await play(h);
    expect(eventsOf(events, 'error')[0]).toMatchObject({ code: 'model_unavailable' });
  });
});

describe('the customer stops a reply', () => {
  it('through the StopRegistry mid-stream: done with stopped, committed as aborted with the partial text', async () => {
    const h = harness({
      script: async function* (signal) {
        yield { type: 'delta', text: 'Your parcel is ' };
        await untilAborted(signal);
      },
    });
    let stopped: boolean | null = null;
    const { auditId, events } = await play(h, input(), (event, id) => {
      if (event.event === 'delta') stopped = h.deps.stops.stop(id, SESSION);
    });

    expect(stopped).toBe(true);
    expect(eventsOf(events, 'done')).toEqual([{ auditId, reply: 'Your parcel is ', remembered: true, stopped: true }]);
    expect(eventsOf(events, 'error')).toEqual([]);
    const commit = h.memory.commits[0]!;
    expect(commit.final).toMatchObject({ status: 'aborted', errorCode: 'model_aborted', assistantText: 'Your parcel is ' });
    expect(commit.exchange.assistant).toMatchObject({ text: 'Your parcel is ', stopped: true });
  });

  it('ignores a stop naming the right turn but another session', async () => {
    const h = harness({
      script: async function* (signal) {
        yield { type: 'delta', text: 'Your parcel ' };
        await Promise.race([untilAborted(signal), sleep(100)]);
        yield { type: 'delta', text: 'arrives today.' };
      },
    });
    let stopped: boolean | null = null;
    const { events } = await play(h, input(), (event, id) => {
      if (event.event === 'delta' && stopped === null) stopped = h.deps.stops.stop(id, 's1.someone-else');
    });
    expect(stopped).toBe(false);
    expect(eventsOf(events, 'done')[0]).toMatchObject({ reply: 'Your parcel arrives today.' });
    expect(h.memory.commits[0]!.final.status).toBe('ok');
  });

  it('before any text: error model_aborted, recorded as aborted, nothing stored', async () => {
    const h = harness({
      script: async function* (signal) {
        await untilAborted(signal);
        yield { type: 'delta', text: 'never' };
      },
    });
    const { auditId, events } = await play(h, input(), (event, id) => {
      // The client learns the audit id from meta and asks to stop a moment later.
      if (event.event === 'meta') setTimeout(() => h.deps.stops.stop(id, SESSION), 20);
    });

    expect(events.map((e) => e.event)).toEqual(['meta', 'error']);
    expect(eventsOf(events, 'error')).toEqual([{ code: 'model_aborted', message: userMessageFor('model_aborted') }]);
    expect(h.memory.commits).toEqual([]);
    expect(h.memory.records[0]).toMatchObject({
      auditId,
      entry: { kind: 'final', seq: 4, record: { status: 'aborted', errorCode: 'model_aborted', assistantText: null } },
    });
  });
});

describe('the lease keeper', () => {
  it('renews the lease while the model is slow, and stops renewing once the turn ends', async () => {
    const h = harness({
      leaseMs: 300,
      script: async function* () {
        yield { type: 'delta', text: 'Let me check' };
        await sleep(700);
        yield { type: 'delta', text: '… it shipped.' };
      },
    });
    const { auditId, events } = await play(h);

    expect(eventsOf(events, 'done')[0]).toMatchObject({ reply: 'Let me check… it shipped.' });
    expect(h.memory.renewals.length).toBeGreaterThanOrEqual(2);
    for (const renewal of h.memory.renewals) expect(renewal).toMatchObject({ sessionId: SESSION, auditId, leaseMs: 300 });
    // Renewals come often enough that a 300 ms lease never lapses while the model works.
    const times = h.memory.renewals.map((r) => r.at);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeLessThan(300);
    const count = h.memory.renewals.length;
    await sleep(400);
    expect(h.memory.renewals.length).toBe(count);
  });

  it('aborts the turn when renew says the customer asked to stop (a stop that arrived on another instance)', async () => {
    const h = harness({
      leaseMs: 300,
      script: async function* (signal) {
        yield { type: 'delta', text: 'Checking your order' };
        await Promise.race([untilAborted(signal), sleep(3_000)]);
        yield { type: 'delta', text: ' — too late.' };
      },
    });
    h.memory.onRenew = () => 'stop';
    const started = Date.now();
    const { auditId, events } = await play(h);

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(eventsOf(events, 'done')).toEqual([{ auditId, reply: 'Checking your order', remembered: true, stopped: true }]);
    expect(h.memory.commits[0]!.final).toMatchObject({ status: 'aborted', assistantText: 'Checking your order' });
  });
});
