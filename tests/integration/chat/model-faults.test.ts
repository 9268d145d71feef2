import { describe, expect, it } from 'vitest';
import { SseDecoder, toChatEvent } from '@/components/chat/sse';
import type { ChatEvent } from '@/lib/chat/events';
import type { MemoryMessage } from '@/lib/conversation/types';
import { sharedTestStack, STACK, type TestStack, type TurnResult } from '../../support/stack';

/**
 * What a customer notices when the model misbehaves (rate limits, outages, silence, a cut stream,
 * an empty answer), what the audit trail keeps of it, and how the stream behaves in time.
 */

type AuditRow = {
  audit_id: string;
  status: string;
  error_code: string | null;
  user_text: string;
  assistant_text: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  ttft_ms: number | null;
  total_ms: number | null;
  completed_at: Date | null;
};

async function auditRow(stack: TestStack, auditId: string | undefined): Promise<AuditRow> {
  expect(auditId).toBeTruthy();
  const rows = await stack.query<AuditRow>('select * from turns where audit_id = $1', [auditId]);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

async function remembered(stack: TestStack, sessionId: string): Promise<MemoryMessage[]> {
  return (await stack.runtime.memory.read(sessionId)).messages;
}

const summaryOf = (messages: MemoryMessage[]) => messages.map((m) => ({ role: m.role, text: m.text, auditId: m.auditId }));

/** One plain sentence or two for the customer: no stack trace, no status code, no provider wording. */
function expectHumanMessage(message: string | undefined, wording: RegExp): void {
  expect(message).toMatch(wording);
  expect(message).toMatch(/^[A-Z][^\n]{10,200}[.!]$/);
  expect(message).not.toMatch(/mock|fault|error|exception|status|\d{3}|\bat \S+:\d+|ECONN|chatcmpl|undefined/i);
}

/** The error event comes after meta (and any text that did arrive), and nothing claims success. */
function expectErrorEnding(turn: TurnResult, code: string): void {
  expect(turn.status).toBe(200);
  const names = turn.events.map((e) => e.event);
  expect(names[0]).toBe('meta');
  expect(names.at(-1)).toBe('error');
  expect(names).not.toContain('done');
  expect(turn.error?.code).toBe(code);
}

interface Conversation {
  sessionId: string;
  before: MemoryMessage[];
  first: TurnResult;
}

/** A session with one whole exchange in memory, so a failure has history to (not) disturb. */
async function conversationWithOneExchange(stack: TestStack): Promise<Conversation> {
  const sessionId = await stack.newSession();
  const first = await stack.send(sessionId, 'My order 4711 has not arrived.');
  expect(first.error).toBeUndefined();
  const before = await remembered(stack, sessionId);
  expect(before).toHaveLength(2);
  stack.model.reset();
  return { sessionId, before, first };
}

/** Memory still holds exactly the earlier whole exchanges: the failed message left no trace there. */
async function expectMemoryUnchanged(stack: TestStack, conversation: Conversation): Promise<void> {
  const memory = await stack.runtime.memory.read(conversation.sessionId);
  expect(summaryOf(memory.messages)).toEqual(summaryOf(conversation.before));
}

/** The customer's next message is answered at once, with the earlier exchange and without the failed one. */
async function expectNextTurnWorks(stack: TestStack, conversation: Conversation): Promise<void> {
  stack.model.reset();
  const next = await stack.send(conversation.sessionId, 'Are you there?');
  expect(next.error).toBeUndefined();
  expect(next.events.at(-1)?.event).toBe('done');
  expect(next.reply).toContain('Mock reply to: Are you there?');
  expect(stack.model.requests).toHaveLength(1);
  expect(stack.model.lastRequest()!.messages.filter((m) => m.role !== 'system')).toEqual([
    { role: 'user', content: 'My order 4711 has not arrived.' },
    { role: 'assistant', content: conversation.first.reply },
    { role: 'user', content: 'Are you there?' },
  ]);
  const texts = (await remembered(stack, conversation.sessionId)).map((m) => m.text);
  expect(texts).toEqual(['My order 4711 has not arrived.', conversation.first.reply, 'Are you there?', next.reply]);
}

/** Reads SSE events one at a time from a live response, so a test can stop (or time) mid-stream. */
function eventReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const sse = new SseDecoder();
  const queue: ChatEvent[] = [];
  return {
    async next(): Promise<ChatEvent | null> {
      while (queue.length === 0) {
        const { done, value } = await reader.read();
        if (done) return null;
        for (const raw of sse.push(decoder.decode(value, { stream: true }))) {
          const event = toChatEvent(raw);
          if (event) queue.push(event);
        }
      }
      return queue.shift()!;
    },
    cancel: () => reader.cancel(),
  };
}

describe(`model faults (${STACK} stack)`, () => {
  const stack = sharedTestStack();

  it('a 429 followed by success is retried: the customer just sees a normal reply', async () => {
    const conversation = await conversationWithOneExchange(stack);
    stack.model.failNext('429');
    const turn = await stack.send(conversation.sessionId, 'Where is it now?');

    expect(turn.error).toBeUndefined();
    expect(turn.events.at(-1)?.event).toBe('done');
    expect(turn.reply).toContain('Mock reply to: Where is it now?');
    expect(stack.model.requests).toHaveLength(2);
    expect(stack.model.requests[1]!.messages).toEqual(stack.model.requests[0]!.messages);
    const row = await auditRow(stack, turn.meta?.auditId);
    expect(row).toMatchObject({ status: 'ok', error_code: null, assistant_text: turn.reply });
    expect((await remembered(stack, conversation.sessionId)).map((m) => m.text)).toEqual([
      'My order 4711 has not arrived.',
      conversation.first.reply,
      'Where is it now?',
      turn.reply,
    ]);
  });

  it('a model that keeps failing with 500 is tried 3 times, then the customer is told it is unavailable', async () => {
    const conversation = await conversationWithOneExchange(stack);
    stack.model.failNext('500', '500', '500');
    const turn = await stack.send(conversation.sessionId, 'Where is it now?');

    expectErrorEnding(turn, 'model_unavailable');
    expectHumanMessage(turn.error?.message, /temporarily unavailable/i);
    expect(turn.reply).toBe('');
    expect(stack.model.requests).toHaveLength(3);
    const row = await auditRow(stack, turn.meta?.auditId);
    expect(row).toMatchObject({ status: 'model_error', error_code: 'model_unavailable', assistant_text: null });
    expect(row.user_text).toBe('Where is it now?');
    expect(row.completed_at).not.toBeNull();
    await expectMemoryUnchanged(stack, conversation);
    await expectNextTurnWorks(stack, conversation);
  });

  it('a stream that breaks halfway: the text already shown stays, an error follows, the audit keeps the part', async () => {
    const conversation = await conversationWithOneExchange(stack);
    const full = 'Your parcel left our warehouse on Monday and should arrive by Friday.';
    stack.model.setBehaviour({ reply: full, chunkSize: 8 });
    stack.model.failNext('broken-stream');
    const turn = await stack.send(conversation.sessionId, 'Where is it now?');

    expectErrorEnding(turn, 'model_stream_broken');
    expectHumanMessage(turn.error?.message, /interrupted/i);
    // The mock sends two chunks before it cuts the connection; both reached the customer.
    expect(turn.events.map((e) => e.event)).toEqual(['meta', 'delta', 'delta', 'error']);
    expect(turn.reply).toBe(full.slice(0, 16));
    expect(stack.model.requests).toHaveLength(1);
    const row = await auditRow(stack, turn.meta?.auditId);
    expect(row).toMatchObject({ status: 'model_error', error_code: 'model_stream_broken', assistant_text: turn.reply });
    expect(row.ttft_ms).not.toBeNull();
    await expectMemoryUnchanged(stack, conversation);
    await expectNextTurnWorks(stack, conversation);
  });

  it('an empty completion is reported as no answer, and nothing is remembered', async () => {
    const conversation = await conversationWithOneExchange(stack);
    stack.model.failNext('empty');
    const turn = await stack.send(conversation.sessionId, 'Where is it now?');

    expectErrorEnding(turn, 'model_empty');
    expectHumanMessage(turn.error?.message, /did not produce an answer/i);
    expect(turn.events.filter((e) => e.event === 'delta')).toEqual([]);
    expect(stack.model.requests).toHaveLength(1);
    const row = await auditRow(stack, turn.meta?.auditId);
    expect(row).toMatchObject({ status: 'model_error', error_code: 'model_empty', assistant_text: null });
    await expectMemoryUnchanged(stack, conversation);
    await expectNextTurnWorks(stack, conversation);
  });

  it('a JSON client gets 502 with the error code and the audit id when the model fails', async () => {
    const conversation = await conversationWithOneExchange(stack);
    stack.model.failNext('429', '429', '429');
    const response = await stack.post({ sessionId: conversation.sessionId, text: 'Where is it now?' }, { accept: 'application/json' });
    await stack.settle();

    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as { error: { code: string; message: string }; auditId: string; reply?: unknown };
    expect(body.error.code).toBe('model_rate_limited');
    expectHumanMessage(body.error.message, /very busy/i);
    expect(body).not.toHaveProperty('reply');
    expect(stack.model.requests).toHaveLength(3);
    const row = await auditRow(stack, body.auditId);
    expect(row).toMatchObject({ status: 'model_error', error_code: 'model_rate_limited', assistant_text: null });
    await expectMemoryUnchanged(stack, conversation);
    await expectNextTurnWorks(stack, conversation);
  });

  it('records token usage and timings of a turn: time to first token, then total time', async () => {
    stack.model.setBehaviour({ firstTokenDelayMs: 300, chunkDelayMs: 20, chunkSize: 10 });
    const sessionId = await stack.newSession();
    const turn = await stack.send(sessionId, 'How long does a refund take?');
    expect(turn.error).toBeUndefined();

    const row = await auditRow(stack, turn.meta?.auditId);
    // The mock reports ceil(length / 4) tokens per message text, prompt and reply.
    const sent = stack.model.lastRequest()!.messages;
    const promptTokens = sent.reduce((sum, m) => sum + Math.ceil(String(m.content).length / 4), 0);
    expect(row.prompt_tokens).toBe(promptTokens);
    expect(row.completion_tokens).toBe(Math.ceil(turn.reply.length / 4));
    expect(row.ttft_ms).not.toBeNull();
    expect(row.total_ms).not.toBeNull();
    expect(row.ttft_ms!).toBeGreaterThanOrEqual(250);
    expect(row.ttft_ms!).toBeLessThanOrEqual(row.total_ms!);
    // The reply streams in several chunks 20 ms apart after the first one.
    expect(row.total_ms! - row.ttft_ms!).toBeGreaterThanOrEqual(20);
  });

  it('the first words reach the customer while the model is still writing', async () => {
    // Six chunks of ten characters.
    const reply = Array.from({ length: 6 }, (_, i) => `Step ${i + 1}.`.padEnd(10, ' ')).join('');
    stack.model.setBehaviour({ reply, chunkSize: 10, firstTokenDelayMs: 0, chunkDelayMs: 200 });
    const sessionId = await stack.newSession();
    const started = performance.now();
    const response = await stack.post({ sessionId, text: 'What do I do?' });
    const stream = eventReader(response);

    let firstDeltaMs: number | null = null;
    const events: ChatEvent[] = [];
    for (let event = await stream.next(); event; event = await stream.next()) {
      if (event.event === 'delta') firstDeltaMs ??= performance.now() - started;
      events.push(event);
    }
    const totalMs = performance.now() - started;
    await stack.settle();

    expect(events.filter((e) => e.event === 'delta')).toHaveLength(6);
    expect(events.at(-1)?.event).toBe('done');
    // Six chunks 200 ms apart: the last leaves the model about 1 s in; the first one right away.
    expect(totalMs).toBeGreaterThanOrEqual(950);
    expect(firstDeltaMs).not.toBeNull();
    expect(firstDeltaMs!).toBeLessThan(400);
    expect(totalMs - firstDeltaMs!).toBeGreaterThanOrEqual(800);
  });

  it('a browser that disconnects mid-stream: the server finishes the turn, remembers and audits it, a reload shows it', async () => {
    const full = 'We have found your parcel. It is at the depot and will be delivered tomorrow morning.';
    stack.model.setBehaviour({ reply: full, chunkSize: 8, chunkDelayMs: 60 });
    const sessionId = await stack.newSession();
    const response = await stack.post({ sessionId, text: 'Where is my parcel?' });
    expect(response.status).toBe(200);
    const stream = eventReader(response);

    const meta = await stream.next();
    expect(meta?.event).toBe('meta');
    const delta = await stream.next();
    expect(delta?.event).toBe('delta');
    // The tab closes here, long before the model is done (eleven chunks, 60 ms apart).
    await stream.cancel();
    expect(await remembered(stack, sessionId)).toEqual([]);

    await stack.settle();
    const auditId = meta?.event === 'meta' ? meta.data.auditId : undefined;
    const messages = await remembered(stack, sessionId);
    expect(messages.map((m) => [m.role, m.text, m.auditId])).toEqual([
      ['user', 'Where is my parcel?', auditId],
      ['assistant', full, auditId],
    ]);
    const row = await auditRow(stack, auditId);
    expect(row).toMatchObject({ status: 'ok', error_code: null, assistant_text: full });
    expect(row.completed_at).not.toBeNull();

    const reload = (await (await stack.messages(sessionId)).json()) as { messages: Array<{ role: string; text: string }> };
    expect(reload.messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'Where is my parcel?'],
      ['assistant', full],
    ]);
  });
});

describe(`a model that stays silent (${STACK} stack)`, () => {
  // OPENAI_TIMEOUT_MS has a floor of 1000 ms; no retries keeps each case to one wait.
  const stack = sharedTestStack({ OPENAI_TIMEOUT_MS: '1000', OPENAI_MAX_RETRIES: '0' });

  const cases: Array<[string, (stack: TestStack) => void]> = [
    ['never answers the request', (s) => s.model.failNext('timeout')],
    ['answers the request but sends no token', (s) => s.model.setBehaviour({ firstTokenDelayMs: 1800 })],
  ];

  for (const [name, arrange] of cases) {
    it(`a model that ${name} times out after OPENAI_TIMEOUT_MS, and the next turn works`, async () => {
      const conversation = await conversationWithOneExchange(stack);
      arrange(stack);
      const started = performance.now();
      const turn = await stack.send(conversation.sessionId, 'Where is it now?');
      const elapsed = performance.now() - started;

      expectErrorEnding(turn, 'model_timeout');
      expectHumanMessage(turn.error?.message, /took too long/i);
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(1700);
      expect(stack.model.requests).toHaveLength(1);
      const row = await auditRow(stack, turn.meta?.auditId);
      expect(row).toMatchObject({ status: 'model_error', error_code: 'model_timeout', assistant_text: null, ttft_ms: null });
      await expectMemoryUnchanged(stack, conversation);
      await expectNextTurnWorks(stack, conversation);
    });
  }
});
