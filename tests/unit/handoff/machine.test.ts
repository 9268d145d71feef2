import { describe, expect, it } from 'vitest';
import {
  type Actor,
  type HandoffAction,
  INITIAL_STATE,
  mayWrite,
  modelAnswers,
  type StateSnapshot,
  transition,
} from '@/lib/handoff/machine';

const now = new Date('2026-12-03T10:00:00.000Z');
const customer: Actor = { kind: 'customer' };
const system: Actor = { kind: 'system' };
const ana = { kind: 'agent', role: 'agent', id: 'a-ana', name: 'Ana' } as const;
const bo = { kind: 'agent', role: 'agent', id: 'a-bo', name: 'Bo' } as const;
const admin = { kind: 'agent', role: 'admin', id: 'a-root', name: 'Root' } as const;

function run(start: StateSnapshot, ...steps: Array<[HandoffAction, Actor]>): StateSnapshot {
  let current = start;
  for (const [action, actor] of steps) {
    const result = transition(current, action, actor, now);
    if (result.kind === 'refused') throw new Error(`refused ${action.kind}: ${result.code}`);
    if (result.kind === 'changed') current = result.next;
  }
  return current;
}

const waiting = run(INITIAL_STATE, [{ kind: 'request', reason: 'customer_asked' }, customer]);
const withAna = run(waiting, [{ kind: 'take_over' }, ana]);

describe('the handoff state machine', () => {
  it('goes assistant → waiting → agent → assistant, each change with its reason and time', () => {
    expect(waiting).toEqual({ state: 'waiting', owner: null, since: now.toISOString(), reason: 'customer_asked' });
    expect(withAna).toMatchObject({ state: 'agent', owner: { id: 'a-ana', name: 'Ana' }, reason: 'taken_over' });
    expect(run(withAna, [{ kind: 'hand_back' }, ana])).toMatchObject({ state: 'assistant', owner: null, reason: 'handed_back' });
  });

  it('calls the model only while the assistant has the conversation', () => {
    expect(modelAnswers('assistant')).toBe(true);
    expect(modelAnswers('waiting')).toBe(false);
    expect(modelAnswers('agent')).toBe(false);
    expect(modelAnswers('resolved')).toBe(false);
  });

  it('refuses a second agent with the name of the owner', () => {
    expect(transition(withAna, { kind: 'take_over' }, bo, now)).toEqual({
      kind: 'refused',
      code: 'conversation_taken',
      owner: { id: 'a-ana', name: 'Ana' },
    });
    // Even an admin: two people must not answer one customer.
    expect(transition(withAna, { kind: 'take_over' }, admin, now)).toMatchObject({ code: 'conversation_taken' });
    // The owner pressing again changes nothing (nothing to record).
    expect(transition(withAna, { kind: 'take_over' }, ana, now)).toEqual({ kind: 'unchanged' });
  });

  it('lets only the owner write, hand back or resolve; an admin may hand back or resolve', () => {
    expect(mayWrite(withAna, ana)).toBeNull();
    expect(mayWrite(withAna, bo)).toBe('not_owner');
    expect(mayWrite(withAna, admin)).toBe('not_owner');
    expect(mayWrite(waiting, ana)).toBe('invalid_state');
    expect(transition(withAna, { kind: 'hand_back' }, bo, now)).toMatchObject({ code: 'not_owner', owner: { name: 'Ana' } });
    expect(transition(withAna, { kind: 'resolve' }, bo, now)).toMatchObject({ code: 'not_owner' });
    expect(run(withAna, [{ kind: 'resolve' }, admin]).state).toBe('resolved');
  });

  it('takes an agent straight from the assistant when they see it going wrong', () => {
    expect(run(INITIAL_STATE, [{ kind: 'take_over' }, bo])).toMatchObject({ state: 'agent', owner: { id: 'a-bo' } });
  });

  it('treats a second request for a person as nothing new', () => {
    expect(transition(waiting, { kind: 'request', reason: 'customer_asked' }, customer, now)).toEqual({ kind: 'unchanged' });
    expect(transition(withAna, { kind: 'request', reason: 'model_escalated' }, { kind: 'assistant' }, now)).toEqual({
      kind: 'unchanged',
    });
  });

  it('keeps a resolved conversation closed to agents until its customer writes again', () => {
    const resolved = run(withAna, [{ kind: 'resolve' }, ana]);
    expect(mayWrite(resolved, ana)).toBe('conversation_resolved');
    expect(transition(resolved, { kind: 'take_over' }, ana, now)).toMatchObject({ code: 'conversation_resolved' });
    expect(transition(resolved, { kind: 'hand_back' }, ana, now)).toMatchObject({ code: 'conversation_resolved' });
    expect(run(resolved, [{ kind: 'customer_returned' }, customer])).toMatchObject({
      state: 'assistant',
      reason: 'customer_returned',
    });
    // A resolved conversation can ask for a person again (a new stretch).
    expect(run(resolved, [{ kind: 'request', reason: 'customer_asked' }, customer]).state).toBe('waiting');
  });

  it('puts a conversation its agent left silent back in the queue, and only the server does that', () => {
    expect(run(withAna, [{ kind: 'release_silent' }, system])).toMatchObject({
      state: 'waiting',
      owner: null,
      reason: 'agent_silent',
    });
    expect(transition(withAna, { kind: 'release_silent' }, ana, now)).toMatchObject({ code: 'forbidden' });
    expect(transition(waiting, { kind: 'release_silent' }, system, now)).toEqual({ kind: 'unchanged' });
  });

  it('refuses what an actor may never do', () => {
    expect(transition(waiting, { kind: 'take_over' }, customer, now)).toMatchObject({ code: 'forbidden' });
    expect(transition(INITIAL_STATE, { kind: 'request', reason: 'customer_asked' }, ana, now)).toMatchObject({
      code: 'forbidden',
    });
    expect(transition(INITIAL_STATE, { kind: 'hand_back' }, ana, now)).toMatchObject({ code: 'invalid_state' });
  });
});
