import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/handoff/machine';
import { releaseSilentConversations } from '@/lib/handoff/silence';
import { sessionKeys } from '@/lib/redis/keys';
import { sessionRef } from '@/lib/session-ref';
import { sharedTestStack, STACK, type TestStack } from '../../support/stack';

/**
 * The handoff's rules: a person is asked for after the configured number of model errors in a row,
 * and a conversation its agent left silent goes back to the queue (when the customer writes, and
 * when an agent opens the inbox), never on a timer.
 */

const stack: TestStack = sharedTestStack({ HANDOFF_AFTER_MODEL_ERRORS: '2', AGENT_SILENCE_MINUTES: '1' });
// The silence clock is set back in Redis itself: registered on the Redis stack only (not reported as a skip elsewhere).
const onRedis = STACK === 'services' ? it : (..._args: Parameters<typeof it>) => undefined;
const ana: Extract<Actor, { kind: 'agent' }> = { kind: 'agent', role: 'agent', id: randomUUID(), name: 'Ana' };

async function state(sessionId: string) {
  return (await stack.runtime.memory.readState(sessionId))?.snapshot;
}

describe(`the handoff's rules (${STACK})`, () => {
  it('asks for a person after two model errors in a row, and counts again after the change', async () => {
    const sessionId = await stack.newSession();
    stack.model.failNext('400');
    const first = await stack.send(sessionId, 'Where is my order?');
    expect(first.error?.code).toBe('model_rejected');
    expect(first.events.some((e) => e.event === 'handoff')).toBe(false);
    stack.model.failNext('400');
    const second = await stack.send(sessionId, 'Hello?');
    expect(second.events.find((e) => e.event === 'handoff')?.data).toMatchObject({ conversation: { state: 'waiting' } });
    expect(await state(sessionId)).toMatchObject({ state: 'waiting', reason: 'model_errors' });
    await stack.settle();
    const [event] = await stack.query<{ actor_kind: string; reason: string }>(
      "select actor_kind, reason from conversation_events where session_id = $1 and kind = 'state'",
      [sessionRef(sessionId)],
    );
    expect(event).toEqual({ actor_kind: 'system', reason: 'model_errors' });
  });

  onRedis('puts a conversation back in the queue when its agent went silent and the customer writes', async () => {
    const sessionId = await stack.newSession();
    const store = stack.runtime.memory;
    await store.changeState({ sessionId, action: { kind: 'take_over' }, actor: ana, auditId: uuidv7(), now: new Date() });
    // Ana took it two minutes ago and said nothing since.
    const past = new Date(Date.now() - 2 * 60_000).toISOString();
    await stack.runtime.redis?.hset(sessionKeys(stack.runtime.config.memory.keyPrefix, sessionId).counter, { la: past });
    const calls = stack.model.requests.length;
    const turn = await stack.send(sessionId, 'Hello? Anyone?');
    expect(turn.meta?.conversation).toEqual({ state: 'waiting', agentName: null });
    expect(stack.model.requests.length).toBe(calls);
    expect(await state(sessionId)).toMatchObject({ state: 'waiting', reason: 'agent_silent' });
  });

  it('puts silent conversations back in the queue when an agent opens the inbox, from the audit', async () => {
    const sessionId = await stack.newSession();
    await stack.send(sessionId, 'Hi');
    const store = stack.runtime.memory;
    const longAgo = new Date(Date.now() - 5 * 60_000);
    await store.changeState({ sessionId, action: { kind: 'take_over' }, actor: ana, auditId: uuidv7(), now: longAgo });
    await stack.settle();
    const db = (await stack.runtime.database()).db;
    expect(await releaseSilentConversations(db, store, 60_000)).toBeGreaterThanOrEqual(1);
    expect(await state(sessionId)).toMatchObject({ state: 'waiting', reason: 'agent_silent' });
    // Ana writing keeps a conversation hers: a fresh take-over is not released.
    const other = await stack.newSession();
    await store.changeState({ sessionId: other, action: { kind: 'take_over' }, actor: ana, auditId: uuidv7(), now: new Date() });
    await stack.settle();
    await releaseSilentConversations(db, store, 60_000);
    expect(await state(other)).toMatchObject({ state: 'agent' });
  });
});
