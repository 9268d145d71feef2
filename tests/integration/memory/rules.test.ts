import { afterEach, describe, expect, it } from 'vitest';
import { sessionRef } from '@/lib/session-ref';
import { createTestStack, STACK, type TestStack } from '../../support/stack';

let stack: TestStack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function remembered(s: TestStack, sessionId: string) {
  const memory = await s.runtime.memory.read(sessionId);
  return memory.messages;
}

describe(`memory rules (${STACK} stack)`, () => {
  it('holds the turn cap and the token cap after 50 turns, oldest leaving first', async () => {
    stack = await createTestStack({ MEMORY_MAX_TURNS: '10', MEMORY_MAX_TOKENS: '100000' });
    const sessionId = await stack.newSession();
    for (let i = 1; i <= 50; i++) {
      const turn = await stack.send(sessionId, `message number ${i}`);
      expect(turn.error).toBeUndefined();
    }
    const messages = await remembered(stack, sessionId);
    expect(messages).toHaveLength(20);
    expect(messages[0]!.text).toBe('message number 41');
    expect(messages.at(-2)!.text).toBe('message number 50');
    // The audit numbers the turns as the customer typed them: 1 to 50, each once.
    const rows = await stack.query<{ seq: number }>('select seq from turns where session_id = $1 order by seq, seq_minor', [sessionRef(sessionId)]);
    expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('keeps the window under MEMORY_MAX_TOKENS, dropping whole exchanges', async () => {
    stack = await createTestStack({ MEMORY_MAX_TURNS: '50', MEMORY_MAX_TOKENS: '300' });
    stack.model.setBehaviour({ reply: 'word '.repeat(40).trim() });
    const sessionId = await stack.newSession();
    for (let i = 1; i <= 12; i++) await stack.send(sessionId, `tell me about item ${i} ${'detail '.repeat(10)}`);
    const messages = await remembered(stack, sessionId);
    const total = messages.reduce((sum, m) => sum + m.tokens, 0);
    expect(total).toBeLessThanOrEqual(300);
    expect(messages.length).toBeGreaterThanOrEqual(2);
    expect(messages.length % 2).toBe(0);
    expect(messages[0]!.role).toBe('user');
    expect(messages.at(-2)!.text).toContain('item 12');
  });

  it('labels every stored message with role, timestamp, token estimate and audit id', async () => {
    stack = await createTestStack();
    const sessionId = await stack.newSession();
    const turns: Awaited<ReturnType<TestStack['send']>>[] = [];
    for (const text of ['Hello', 'I need a refund', 'Thanks']) turns.push(await stack.send(sessionId, text));
    const messages = await remembered(stack, sessionId);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
    messages.forEach((m, i) => {
      expect(Date.parse(m.at)).toBeGreaterThan(Date.now() - 60_000);
      expect(m.tokens).toBeGreaterThan(0);
      expect(m.auditId).toBe(turns[Math.floor(i / 2)]!.meta!.auditId);
    });
  });

  it('tells the user once, plainly, when memory expired, then starts fresh', async () => {
    stack = await createTestStack({ MEMORY_TTL_SECONDS: '1' });
    const sessionId = await stack.newSession();
    const first = await stack.send(sessionId, 'My name is Grace');
    expect(first.meta).toMatchObject({ memory: 'new', notice: null });
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const reload = (await (await stack.messages(sessionId)).json()) as { memory: string; messages: unknown[] };
    expect(reload).toMatchObject({ memory: 'expired', messages: [] });

    stack.model.reset();
    const second = await stack.send(sessionId, 'What is my name?');
    expect(second.status).toBe(200);
    expect(second.meta?.memory).toBe('expired');
    expect(second.meta?.notice).toMatch(/no longer available/);
    // The model was not shown anything it cannot have: just the system prompt and this message.
    expect(stack.model.lastRequest()!.messages.filter((m) => m.role !== 'system')).toEqual([
      { role: 'user', content: 'What is my name?' },
    ]);
    const third = await stack.send(sessionId, 'Thanks');
    expect(third.meta).toMatchObject({ memory: 'ok', notice: null });
    const rows = await stack.query<{ memory_status: string }>(
      'select memory_status from turns where session_id = $1 order by seq',
      [sessionRef(sessionId)],
    );
    expect(rows.map((r) => r.memory_status)).toEqual(['new', 'expired', 'ok']);
  });

  it('answers a retried message once: the resend replays the stored reply', async () => {
    stack = await createTestStack();
    const sessionId = await stack.newSession();
    const messageId = 'msg-0123456789abcdef';
    const original = await stack.send(sessionId, 'Where is my parcel?', messageId);
    const retry = await stack.send(sessionId, 'Where is my parcel?', messageId);
    expect(retry.status).toBe(200);
    expect(retry.meta).toMatchObject({ replay: true, auditId: original.meta!.auditId });
    expect(retry.reply).toBe(original.reply);
    expect(stack.model.requests).toHaveLength(1);
    expect(await remembered(stack, sessionId)).toHaveLength(2);
    const rows = await stack.query('select audit_id from turns where session_id = $1', [sessionRef(sessionId)]);
    expect(rows).toHaveLength(1);
  });

  it('20 parallel sends to one session leave a consistent history: none lost, none doubled, none interleaved', async () => {
    stack = await createTestStack({ MEMORY_MAX_TURNS: '40', TURN_LOCK_WAIT_MS: '30000' });
    stack.model.setBehaviour({ chunkDelayMs: 2, chunkSize: 8 });
    const sessionId = await stack.newSession();
    const texts = Array.from({ length: 20 }, (_, i) => `parallel message ${i + 1}`);
    const results = await Promise.all(texts.map((text) => stack!.send(sessionId, text)));

    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(results.every((r) => r.error === undefined)).toBe(true);
    const messages = await remembered(stack, sessionId);
    expect(messages).toHaveLength(40);
    for (let i = 0; i < 40; i += 2) {
      const user = messages[i]!;
      const assistant = messages[i + 1]!;
      expect([user.role, assistant.role]).toEqual(['user', 'assistant']);
      // Each reply sits right after the message it answers, from the same turn.
      expect(assistant.auditId).toBe(user.auditId);
      expect(assistant.text).toContain(`Mock reply to: ${user.text}`);
    }
    expect(new Set(messages.filter((m) => m.role === 'user').map((m) => m.text))).toEqual(new Set(texts));
    const rows = await stack.query<{ seq: number }>('select seq from turns where session_id = $1 order by seq', [sessionRef(sessionId)]);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('a message sent while another is being answered waits its turn, then gets 409 if the wait runs out', async () => {
    stack = await createTestStack({ TURN_LOCK_WAIT_MS: '200' });
    stack.model.setBehaviour({ firstTokenDelayMs: 1000 });
    const sessionId = await stack.newSession();
    const slow = stack.send(sessionId, 'first, slow');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const response = await stack.post({ sessionId, text: 'second, too soon' });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('turn_in_progress');
    expect((await slow).status).toBe(200);
    const messages = await remembered(stack, sessionId);
    expect(messages.map((m) => m.text)[0]).toBe('first, slow');
    expect(messages).toHaveLength(2);
  });

  it('limits how many messages one conversation may send per minute, storing nothing from the refused ones', async () => {
    stack = await createTestStack({ CHAT_RATE_LIMIT_PER_MINUTE: '3' });
    const sessionId = await stack.newSession();
    for (const text of ['one', 'two', 'three']) expect((await stack.send(sessionId, text)).status).toBe(200);
    const refused = await stack.post({ sessionId, text: 'four' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    await stack.settle();
    expect(stack.model.requests).toHaveLength(3);
    expect(await remembered(stack, sessionId)).toHaveLength(6);
    const rows = await stack.query('select audit_id from turns where session_id = $1', [sessionRef(sessionId)]);
    expect(rows).toHaveLength(3);
    // Another conversation has its own budget.
    expect((await stack.send(await stack.newSession(), 'hello')).status).toBe(200);
  });

  it('a message waiting for a busy conversation is not counted twice against the limit', async () => {
    stack = await createTestStack({ CHAT_RATE_LIMIT_PER_MINUTE: '2', TURN_LOCK_WAIT_MS: '10000' });
    stack.model.setBehaviour({ firstTokenDelayMs: 600 });
    const sessionId = await stack.newSession();
    const [first, second] = await Promise.all([stack.send(sessionId, 'first'), stack.send(sessionId, 'second')]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await remembered(stack, sessionId)).toHaveLength(4);
  });

  it('the per-address limit, counted in the turn begin: across sessions, 429 with Retry-After, nothing stored, invalid requests free', async () => {
    stack = await createTestStack({ CHAT_PER_IP_PER_MINUTE: '2', MODEL_CALLS_PER_MINUTE: '100' });
    const s = stack;
    const [one, two] = [await s.newSession(), await s.newSession()];
    // Refused before the limit: it spends nobody's budget.
    expect((await s.post({ sessionId: one, text: 'x'.repeat(4001) })).status).toBe(400);
    expect((await s.send(one, 'first')).status).toBe(200);
    expect((await s.send(two, 'second, another session')).status).toBe(200);
    const refused = await s.post({ sessionId: two, text: 'third' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(121);
    expect(await refused.json()).toEqual({
      error: { code: 'rate_limited', message: 'Too many requests. Please wait a moment and try again.' },
    });
    await s.settle();
    expect(s.model.requests).toHaveLength(2);
    expect(await remembered(s, two)).toHaveLength(2);
    const rows = await s.query('select audit_id from turns');
    expect(rows).toHaveLength(2);
  });
});
