import { describe, expect, it } from 'vitest';
import { sessionRef } from '@/lib/session-ref';
import { sharedTestStack, STACK } from '../../support/stack';

const stack = sharedTestStack();

describe(`a conversation (${STACK} stack)`, () => {
  it('the third prompt contains the first two turns as separate, correctly labelled messages', async () => {
    const sessionId = await stack.newSession();
    const first = await stack.send(sessionId, 'Hi, my name is Ada.');
    const second = await stack.send(sessionId, 'My order 4711 has not arrived.');
    const third = await stack.send(sessionId, 'What is my name?');

    expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
    expect(first.meta?.memory).toBe('new');
    expect(second.meta?.memory).toBe('ok');
    expect(third.meta?.memory).toBe('ok');

    const sent = stack.model.requests.map((r) => r.messages);
    expect(sent).toHaveLength(3);
    const thirdPrompt = sent[2]!.filter((m) => m.role !== 'system');
    expect(thirdPrompt).toEqual([
      { role: 'user', content: 'Hi, my name is Ada.' },
      { role: 'assistant', content: first.reply },
      { role: 'user', content: 'My order 4711 has not arrived.' },
      { role: 'assistant', content: second.reply },
      { role: 'user', content: 'What is my name?' },
    ]);
    expect(sent[2]![0]!.role).toBe('system');
  });

  it('streams meta, deltas and done, and the deltas add up to the reply', async () => {
    stack.model.setBehaviour({ reply: 'One two three four five six seven eight nine ten.', chunkSize: 5 });
    const sessionId = await stack.newSession();
    const turn = await stack.send(sessionId, 'Count for me');
    const names = turn.events.map((e) => e.event);
    expect(names[0]).toBe('meta');
    expect(names.at(-1)).toBe('done');
    expect(names.filter((n) => n === 'delta').length).toBeGreaterThan(3);
    expect(turn.reply).toBe('One two three four five six seven eight nine ten.');
    const done = turn.events.at(-1);
    expect(done?.event === 'done' && done.data.reply).toBe(turn.reply);
    expect(turn.meta?.auditId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it('answers the whole reply as JSON for Accept: application/json', async () => {
    const sessionId = await stack.newSession();
    const response = await stack.post({ sessionId, text: 'Hello there' }, { accept: 'application/json' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ memory: 'new', notice: null, replay: false, remembered: true });
    expect(body.reply).toContain('Mock reply to: Hello there');
    expect(body.auditId).toMatch(/^[0-9a-f-]{36}$/);
    await stack.settle();
  });

  it('restores the remembered turns from the server for a reload', async () => {
    const sessionId = await stack.newSession();
    await stack.send(sessionId, 'First question');
    await stack.send(sessionId, 'Second question');
    const response = await stack.messages(sessionId);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { memory: string; messages: Array<{ role: string; text: string; at: string; auditId: string }> };
    expect(body.memory).toBe('ok');
    expect(body.messages.map((m) => [m.role, m.text.slice(0, 14)])).toEqual([
      ['user', 'First question'],
      ['assistant', 'Mock reply to:'],
      ['user', 'Second questio'],
      ['assistant', 'Mock reply to:'],
    ]);
    for (const m of body.messages) {
      expect(Number.isNaN(Date.parse(m.at))).toBe(false);
      expect(m.auditId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('writes one audit row per turn, with what the model saw', async () => {
    const sessionId = await stack.newSession();
    const first = await stack.send(sessionId, 'Audit me please');
    const second = await stack.send(sessionId, 'And me too');
    const rows = await stack.query<{
      audit_id: string;
      seq: number;
      status: string;
      memory_status: string;
      user_text: string;
      assistant_text: string;
      context_audit_ids: string[];
      prompt_messages: Array<{ role: string; content: string }>;
      prompt_tokens: number | null;
      completion_tokens: number | null;
      model: string;
      completed_at: Date | null;
    }>('select * from turns where session_id = $1 order by seq', [sessionRef(sessionId)]);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.audit_id)).toEqual([first.meta?.auditId, second.meta?.auditId]);
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
    expect(rows.every((r) => r.status === 'ok' && r.completed_at !== null && r.model === 'mock-model')).toBe(true);
    expect(rows[1]!.context_audit_ids).toEqual([first.meta?.auditId]);
    expect(rows[1]!.prompt_messages).toEqual(stack.model.requests[1]!.messages);
    expect(rows[1]!.assistant_text).toBe(second.reply);
    expect(rows[1]!.prompt_tokens).toBeGreaterThan(0);
  });
});
