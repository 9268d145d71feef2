import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportStream } from '@/lib/admin/export';
import { transcriptVersion } from '@/lib/admin/live';
import { getTranscript, type TranscriptEntry } from '@/lib/admin/transcript';
import type { Database } from '@/lib/db/client';
import type { Actor, HandoffAction } from '@/lib/handoff/machine';
import { sessionRef } from '@/lib/session-ref';
import type { TestStack } from '../../support/stack';
import { createAdminStack, database } from './helpers';

/**
 * What an agent reads in /admin after a person stepped in: the customer's turns, the assistant's
 * replies, the agent's messages by name and the changes of who answers, in the order they
 * happened; held messages marked; the live version moving with each of them; the export too.
 */

let stack: TestStack;
let db: Database;

beforeAll(async () => {
  stack = await createAdminStack();
  db = await database(stack);
});
afterAll(async () => {
  await stack?.close();
});

const customer: Actor = { kind: 'customer' };
const system: Actor = { kind: 'system' };
const ana: Extract<Actor, { kind: 'agent' }> = { kind: 'agent', role: 'agent', id: '0190a000-0000-7000-8000-00000000a0a0', name: 'Ana' };
const bo: Extract<Actor, { kind: 'agent' }> = { kind: 'agent', role: 'agent', id: '0190a000-0000-7000-8000-00000000b0b0', name: 'Bo' };

async function change(sessionId: string, action: HandoffAction, actor: Actor) {
  const outcome = await stack.runtime.memory.changeState({ sessionId, action, actor, auditId: uuidv7(), now: new Date() });
  expect(outcome.kind).toBe('changed');
}

async function say(sessionId: string, who: Extract<Actor, { kind: 'agent' }>, text: string) {
  const outcome = await stack.runtime.memory.appendAgentMessage({ sessionId, agent: who, text, auditId: uuidv7(), now: new Date() });
  expect(outcome.kind).toBe('sent');
}

/** The transcript as an agent reads it, one line per entry. */
function lines(entries: TranscriptEntry[]): string[] {
  return entries.map((entry) => {
    if (entry.kind === 'event') return entry.event.kind === 'agent_message' ? `agent ${entry.event.label}: ${entry.event.text}` : `— ${entry.event.label}`;
    const { turn } = entry;
    return turn.status === 'held' ? `customer (held): ${turn.userText}` : `customer: ${turn.userText} / assistant: ${turn.assistantText?.slice(0, 14)}`;
  });
}

describe('the transcript with a person in it', () => {
  it('merges turns and events in order, names each author, and marks held messages', async () => {
    const sessionId = await stack.newSession();
    await stack.send(sessionId, 'My refund is wrong');
    await change(sessionId, { kind: 'request', reason: 'customer_asked' }, customer);
    await stack.send(sessionId, 'Is anyone there?');
    await change(sessionId, { kind: 'take_over' }, ana);
    await say(sessionId, ana, 'Hi, I am Ana.');
    await stack.send(sessionId, 'Thanks Ana');
    await change(sessionId, { kind: 'release_silent' }, system);
    await change(sessionId, { kind: 'take_over' }, bo);
    await change(sessionId, { kind: 'hand_back' }, bo);
    await stack.send(sessionId, 'And now?');
    await change(sessionId, { kind: 'resolve' }, ana);
    await stack.settle();

    const transcript = await getTranscript(db, sessionId);
    expect(lines(transcript?.entries ?? [])).toEqual([
      'customer: My refund is wrong / assistant: Mock reply to:',
      '— Customer asked for a person',
      'customer (held): Is anyone there?',
      '— Ana took over',
      'agent Ana: Hi, I am Ana.',
      'customer (held): Thanks Ana',
      '— Back in the queue: Ana was silent',
      '— Bo took over',
      '— Bo handed back to the assistant',
      'customer: And now? / assistant: Mock reply to:',
      '— Resolved by Ana',
    ]);
    expect(transcript?.session.state).toBe('resolved');

    // The export carries the same events, each after the turn it followed.
    const stream = await exportStream(db, { kind: 'session', sessionId }, { format: 'jsonl', includeNotes: false });
    let text = '';
    for await (const chunk of stream) text += new TextDecoder().decode(chunk);
    const records = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; label?: string; text?: string | null; userText?: string });
    expect(records.map((r) => (r.type === 'event' ? r.label : r.type === 'turn' ? r.userText : r.type))).toEqual([
      'session',
      'My refund is wrong',
      'Customer asked for a person',
      'Is anyone there?',
      'Ana took over',
      'Ana',
      'Thanks Ana',
      'Back in the queue: Ana was silent',
      'Bo took over',
      'Bo handed back to the assistant',
      'And now?',
      'Resolved by Ana',
    ]);
    expect(records.find((r) => r.type === 'event' && r.label === 'Ana')?.text).toBe('Hi, I am Ana.');
  });

  it("says the assistant's own words when it asked for a person", async () => {
    const sessionId = await stack.newSession();
    await stack.send(sessionId, 'I want to cancel my contract');
    const outcome = await stack.runtime.memory.changeState({
      sessionId,
      action: { kind: 'request', reason: 'model_escalated' },
      actor: { kind: 'assistant' },
      auditId: uuidv7(),
      now: new Date(),
      detail: 'contract cancellation needs a person',
    });
    expect(outcome.kind).toBe('changed');
    await stack.settle();
    const transcript = await getTranscript(db, sessionId);
    expect(transcript?.events.map((event) => event.label)).toEqual(['The assistant asked for a person: contract cancellation needs a person']);
  });

  it('moves the live version with a change of who answers and with an agent message, and only then', async () => {
    const sessionId = await stack.newSession();
    await stack.send(sessionId, 'Hello');
    await stack.settle();
    const first = await transcriptVersion(db, sessionId);
    expect(await transcriptVersion(db, sessionId)).toBe(first);

    await change(sessionId, { kind: 'request', reason: 'customer_asked' }, customer);
    await stack.settle();
    const waiting = await transcriptVersion(db, sessionId);
    expect(waiting).not.toBe(first);

    await change(sessionId, { kind: 'take_over' }, ana);
    await stack.settle();
    const taken = await transcriptVersion(db, sessionId);
    expect(taken).not.toBe(waiting);

    await say(sessionId, ana, 'Hi there');
    await stack.settle();
    const written = await transcriptVersion(db, sessionId);
    expect(written).not.toBe(taken);
    expect(await transcriptVersion(db, sessionId)).toBe(written);

    // Whatever else the audit writer touches with them, an event row and a state version alone move it.
    const ref = sessionRef(sessionId);
    await stack.query(
      `insert into conversation_events (id, session_id, after_seq, event_seq, kind, text, actor_kind, actor_name, created_at)
       values ($1, $2, 1, 99, 'agent_message', 'Late event', 'agent', 'Ana', now())`,
      [uuidv7(), ref],
    );
    const late = await transcriptVersion(db, sessionId);
    expect(late).not.toBe(written);
    await stack.query('update sessions set state_version = state_version + 1 where id = $1', [ref]);
    expect(await transcriptVersion(db, sessionId)).not.toBe(late);
  });
});
