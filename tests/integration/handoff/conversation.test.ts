import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/handoff/machine';
import { HANDOFF_TOOL_NAME } from '@/lib/model/tools';
import { STRETCH_BEGAN, STRETCH_ENDED } from '@/lib/prompt/authors';
import { sessionRef } from '@/lib/session-ref';
import { sharedTestStack, STACK, type TestStack } from '../../support/stack';

/**
 * A conversation with a person in it, on the real stack (memory backend, audit database, the mock
 * model counting its requests): while a person is asked for or answers, the model is never called
 * and the customer's words are kept for them; the agent's words reach memory and the audit; once
 * handed back, the model sees them labelled as a human agent's, never as system instructions.
 */

const stack: TestStack = sharedTestStack();
const customer: Actor = { kind: 'customer' };
const agent = (name: string): Extract<Actor, { kind: 'agent' }> => ({ kind: 'agent', role: 'agent', id: randomUUID(), name });
const now = () => new Date();

async function change(sessionId: string, action: Parameters<TestStack['runtime']['memory']['changeState']>[0]['action'], actor: Actor) {
  return stack.runtime.memory.changeState({ sessionId, action, actor, auditId: uuidv7(), now: now() });
}

function say(sessionId: string, who: Extract<Actor, { kind: 'agent' }>, text: string) {
  return stack.runtime.memory.appendAgentMessage({ sessionId, agent: who, text, auditId: uuidv7(), now: now() });
}

describe(`a person steps in (${STACK})`, () => {
  it('holds the customer for the agent, keeps every word once, and hands back with the agent labelled', async () => {
    const sessionId = await stack.newSession();
    const ana = agent('Ana');
    expect((await stack.send(sessionId, 'My refund is wrong')).status).toBe(200);
    const modelCalls = stack.model.requests.length;

    expect(await change(sessionId, { kind: 'request', reason: 'customer_asked' }, customer)).toMatchObject({ kind: 'changed' });
    const waiting = await stack.send(sessionId, 'Is anyone there?');
    expect(waiting.status).toBe(200);
    expect(waiting.reply).toBe('');
    expect(waiting.meta?.conversation).toEqual({ state: 'waiting', agentName: null });
    expect(waiting.events.find((e) => e.event === 'done')?.data).toMatchObject({ held: true, remembered: true });

    expect(await change(sessionId, { kind: 'take_over' }, ana)).toMatchObject({ kind: 'changed' });
    expect(await say(sessionId, ana, 'Hi, I am Ana. I see the double charge "€ 42".')).toMatchObject({ kind: 'sent' });
    expect(await say(sessionId, agent('Bo'), 'Me too!')).toMatchObject({ kind: 'refused', code: 'not_owner', owner: { name: 'Ana' } });
    const answered = await stack.send(sessionId, 'Thank you, Ana');
    expect(answered.meta?.conversation).toEqual({ state: 'agent', agentName: 'Ana' });
    // The human stretch: not one request reached the model.
    expect(stack.model.requests.length).toBe(modelCalls);

    const memory = await stack.runtime.memory.read(sessionId);
    expect(memory.messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'My refund is wrong'],
      ['assistant', expect.stringContaining('Mock reply')],
      ['user', 'Is anyone there?'],
      ['agent', 'Hi, I am Ana. I see the double charge "€ 42".'],
      ['user', 'Thank you, Ana'],
    ]);

    expect(await change(sessionId, { kind: 'hand_back' }, ana)).toMatchObject({ kind: 'changed', state: { state: 'assistant' } });
    const back = await stack.send(sessionId, 'So what happens now?');
    expect(back.reply).toMatch(/^Mock reply to: So what happens now\?/);
    const request = stack.model.lastRequest();
    const contents = (request?.messages ?? []).map((m) => ({ role: m.role, content: String(m.content) }));
    expect(contents).toContainEqual({ role: 'assistant', content: '[Human support agent Ana] Hi, I am Ana. I see the double charge "€ 42".' });
    expect(contents.filter((m) => m.role === 'system' && m.content.includes('double charge'))).toEqual([]);
    // Where the human stretch began and ended, so the model neither contradicts Ana nor hands over again.
    const assistantSide = contents.filter((m) => m.role === 'assistant').map((m) => m.content);
    expect(assistantSide).toContain(STRETCH_BEGAN);
    expect(assistantSide.at(-1)).toBe(STRETCH_ENDED);
    expect(contents.filter((m) => m.role === 'user').map((m) => m.content)).toContain('Is anyone there?');

    await stack.settle();
    const turns = await stack.query<{ status: string; user_text: string }>(
      'select status, user_text from turns where session_id = $1 order by seq',
      [sessionRef(sessionId)],
    );
    expect(turns.map((t) => t.status)).toEqual(['ok', 'held', 'held', 'ok']);
    const events = await stack.query<{ kind: string; state: string | null; text: string | null; actor_name: string | null }>(
      'select kind, state, text, actor_name from conversation_events where session_id = $1 order by event_seq',
      [sessionRef(sessionId)],
    );
    expect(events).toEqual([
      { kind: 'state', state: 'waiting', text: null, actor_name: null },
      { kind: 'state', state: 'agent', text: null, actor_name: 'Ana' },
      { kind: 'agent_message', state: null, text: 'Hi, I am Ana. I see the double charge "€ 42".', actor_name: 'Ana' },
      { kind: 'state', state: 'assistant', text: null, actor_name: 'Ana' },
    ]);
  });

  it("moves to a person when the model calls handoff_to_human, and tells the customer what happens next", async () => {
    const sessionId = await stack.newSession();
    stack.model.setBehaviour({ toolCall: { name: HANDOFF_TOOL_NAME, arguments: '{"reason":"Refund above my limit."}' } });
    const turn = await stack.send(sessionId, 'I want my 900 euros back');
    const handoff = turn.events.find((e) => e.event === 'handoff');
    expect(handoff?.data).toMatchObject({ conversation: { state: 'waiting', agentName: null } });
    // Nobody has a console open in this test: the off-hours words, not a promise.
    expect(handoff?.data).toMatchObject({ notice: stack.runtime.config.handoff.offlineMessage });
    expect(turn.reply).toBe(stack.runtime.config.handoff.message);

    stack.model.setBehaviour({ toolCall: null });
    const calls = stack.model.requests.length;
    const next = await stack.send(sessionId, 'Hello?');
    expect(next.events.find((e) => e.event === 'done')?.data).toMatchObject({ held: true });
    expect(stack.model.requests.length).toBe(calls);
    await stack.settle();
    const [event] = await stack.query<{ reason: string; detail: string; actor_kind: string }>(
      "select reason, detail, actor_kind from conversation_events where session_id = $1 and kind = 'state'",
      [sessionRef(sessionId)],
    );
    expect(event).toEqual({ reason: 'model_escalated', detail: 'Refund above my limit.', actor_kind: 'assistant' });
  });

  it('gives a resolved conversation back to the assistant when its customer writes again', async () => {
    const sessionId = await stack.newSession();
    const ana = agent('Ana');
    await change(sessionId, { kind: 'take_over' }, ana);
    await change(sessionId, { kind: 'resolve' }, ana);
    const calls = stack.model.requests.length;
    const turn = await stack.send(sessionId, 'One more question');
    expect(turn.reply).toMatch(/^Mock reply/);
    expect(stack.model.requests.length).toBe(calls + 1);
    expect((await stack.runtime.memory.readState(sessionId))?.snapshot).toMatchObject({ state: 'assistant', reason: 'customer_returned' });
  });
});
