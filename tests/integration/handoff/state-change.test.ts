import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { StateChange } from '@/lib/conversation/store';
import type { Actor } from '@/lib/handoff/machine';
import { sessionRef } from '@/lib/session-ref';
import { sharedTestStack, STACK, type TestStack } from '../../support/stack';

/**
 * Who answers a conversation, changed through the conversation store on the real backend (Redis
 * through the REST bridge, or the embedded store) and recorded in the audit trail once per change.
 */

const stack: TestStack = sharedTestStack();
// The embedded store keeps its counter with the conversation's file, which nothing loses: registered on the Redis stack only (not reported as a skip elsewhere).
const onRedis = STACK === 'services' ? it : (..._args: Parameters<typeof it>) => undefined;

const agent = (name: string): Extract<Actor, { kind: 'agent' }> => ({ kind: 'agent', role: 'agent', id: randomUUID(), name });
const customer: Actor = { kind: 'customer' };

function change(sessionId: string, action: StateChange['action'], actor: Actor): StateChange {
  return { sessionId, action, actor, auditId: uuidv7(), now: new Date() };
}

async function auditedStates(sessionId: string): Promise<Array<{ state: string; actor_kind: string; actor_name: string | null; reason: string }>> {
  await stack.settle();
  return stack.query(
    'select state, actor_kind, actor_name, reason from conversation_events where session_id = $1 order by event_seq',
    [sessionRef(sessionId)],
  );
}

describe(`changing who answers a conversation (${STACK})`, () => {
  it('moves assistant → waiting → agent → assistant, each change audited once with who and why', async () => {
    const sessionId = await stack.newSession();
    await stack.send(sessionId, 'My parcel is lost');
    const ana = agent('Ana');
    const store = stack.runtime.memory;

    expect(await store.changeState(change(sessionId, { kind: 'request', reason: 'customer_asked' }, customer))).toMatchObject({
      kind: 'changed',
      state: { state: 'waiting', reason: 'customer_asked' },
    });
    // Asking twice changes nothing and records nothing.
    expect(await store.changeState(change(sessionId, { kind: 'request', reason: 'customer_asked' }, customer))).toMatchObject({
      kind: 'unchanged',
    });
    expect(await store.changeState(change(sessionId, { kind: 'take_over' }, ana))).toMatchObject({
      kind: 'changed',
      state: { state: 'agent', owner: { id: ana.id, name: 'Ana' } },
    });
    expect((await store.readState(sessionId))?.snapshot).toMatchObject({ state: 'agent', owner: { name: 'Ana' } });
    expect(await store.changeState(change(sessionId, { kind: 'hand_back' }, ana))).toMatchObject({
      kind: 'changed',
      state: { state: 'assistant' },
    });

    expect(await auditedStates(sessionId)).toEqual([
      { state: 'waiting', actor_kind: 'customer', actor_name: null, reason: 'customer_asked' },
      { state: 'agent', actor_kind: 'agent', actor_name: 'Ana', reason: 'taken_over' },
      { state: 'assistant', actor_kind: 'agent', actor_name: 'Ana', reason: 'handed_back' },
    ]);
    const [row] = await stack.query<{ state: string }>('select state from sessions where id = $1', [sessionRef(sessionId)]);
    expect(row?.state).toBe('assistant');
  });

  it('lets exactly one of two agents pressing "Take over" at once win; the other learns who', async () => {
    const sessionId = await stack.newSession();
    const store = stack.runtime.memory;
    await store.changeState(change(sessionId, { kind: 'request', reason: 'customer_asked' }, customer));
    const [ana, bo] = [agent('Ana'), agent('Bo')];

    const outcomes = await Promise.all([
      store.changeState(change(sessionId, { kind: 'take_over' }, ana)),
      store.changeState(change(sessionId, { kind: 'take_over' }, bo)),
    ]);
    const won = outcomes.filter((o) => o.kind === 'changed');
    const lost = outcomes.filter((o) => o.kind === 'refused');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = won[0]?.kind === 'changed' ? won[0].state.owner : null;
    expect(lost[0]).toMatchObject({ code: 'conversation_taken', owner: { name: winner?.name } });
    expect((await auditedStates(sessionId)).filter((e) => e.state === 'agent')).toHaveLength(1);
  });

  onRedis('keeps a taken conversation taken when memory lost its counter: the audit knows', async () => {
    const sessionId = await stack.newSession();
    const store = stack.runtime.memory;
    const ana = agent('Ana');
    await store.changeState(change(sessionId, { kind: 'request', reason: 'customer_asked' }, customer));
    await store.changeState(change(sessionId, { kind: 'take_over' }, ana));
    await stack.settle();
    await stack.runtime.redis?.del(`${stack.runtime.config.memory.keyPrefix}:v3:s:{${sessionRef(sessionId)}}:n`);

    expect(await store.changeState(change(sessionId, { kind: 'take_over' }, agent('Bo')))).toMatchObject({
      kind: 'refused',
      code: 'conversation_taken',
      owner: { name: 'Ana' },
    });
    expect(await store.changeState(change(sessionId, { kind: 'resolve' }, ana))).toMatchObject({
      kind: 'changed',
      state: { state: 'resolved' },
    });
    expect((await auditedStates(sessionId)).map((e) => e.state)).toEqual(['waiting', 'agent', 'resolved']);
  });
});
