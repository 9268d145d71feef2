import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOverview } from '@/lib/admin/overview';
import { recountOverview } from '@/lib/admin/overview-recount';
import { parsePeriod, type Period } from '@/lib/admin/period';
import type { Database } from '@/lib/db/client';
import type { Actor } from '@/lib/handoff/machine';
import { sessionRef } from '@/lib/session-ref';
import type { TestStack } from '../../support/stack';
import { createAdminStack, database } from './helpers';

/**
 * The overview's handoff figures (issue 20 item 6) from conversation_events and sessions: known
 * conversations on past days with every figure worked out by hand, then a conversation handed off
 * through the real stack today; each time the page's queries must equal the recount in code.
 */

let stack: TestStack;
let db: Database;

async function session(id: string, createdAt: string, lastActivityAt: string) {
  await stack.query(
    `insert into sessions (id, ref, created_at, last_activity_at, turn_count, first_memory_status, last_memory_status)
     values ($1, $1, $2, $3, 0, 'new', 'ok')`,
    [id, createdAt, lastActivityAt],
  );
}

/** `waiting:customer_asked`, `agent:taken_over`, `assistant:handed_back`, `resolved:resolved` or `message`. */
async function events(sessionId: string, list: Array<[string, string]>) {
  let seq = 0;
  for (const [what, at] of list) {
    seq += 1;
    const [state, reason] = what.split(':');
    if (what === 'message') {
      await stack.query(
        `insert into conversation_events (id, session_id, after_seq, event_seq, kind, text, actor_kind, actor_name, created_at)
         values ($1, $2, 0, $3, 'agent_message', 'Hello from a person', 'agent', 'Ana', $4)`,
        [randomUUID(), sessionId, seq, at],
      );
    } else {
      await stack.query(
        `insert into conversation_events (id, session_id, after_seq, event_seq, kind, state, reason, actor_kind, created_at)
         values ($1, $2, 0, $3, 'state', $4, $5, 'system', $6)`,
        [randomUUID(), sessionId, seq, state, reason, at],
      );
    }
  }
}

async function expectRecount(period: Period, step: string) {
  const [page, recount] = [await loadOverview(db, period, {}), await recountOverview(db, period, {})];
  expect(page.handoff, `${step}: ${period.from}..${period.to}`).toEqual(recount.handoff);
  return page.handoff;
}

beforeAll(async () => {
  stack = await createAdminStack();
  db = await database(stack);
  // Answered in 2 minutes, two agent replies, handed back.
  await session('ho-a', '2022-06-01T10:00:00Z', '2022-06-01T11:00:00Z');
  await events('ho-a', [
    ['waiting:customer_asked', '2022-06-01T10:05:00Z'],
    ['agent:taken_over', '2022-06-01T10:06:00Z'],
    ['message', '2022-06-01T10:07:00Z'],
    ['message', '2022-06-01T10:08:00Z'],
    ['assistant:handed_back', '2022-06-01T10:10:00Z'],
  ]);
  // Over two days: resolved without a reply; back the next day, asks again (error rule), left silent, answered 45 min after asking.
  await session('ho-b', '2022-06-01T12:00:00Z', '2022-06-02T09:00:00Z');
  await events('ho-b', [
    ['waiting:model_escalated', '2022-06-01T12:01:00Z'],
    ['resolved:resolved', '2022-06-01T12:30:00Z'],
    ['assistant:customer_returned', '2022-06-02T08:00:00Z'],
    ['waiting:model_errors', '2022-06-02T08:10:00Z'],
    ['agent:taken_over', '2022-06-02T08:11:00Z'],
    ['waiting:agent_silent', '2022-06-02T08:40:00Z'],
    ['agent:taken_over', '2022-06-02T08:50:00Z'],
    ['message', '2022-06-02T08:55:00Z'],
  ]);
  // Active without a handoff; before the period; waiting still.
  await session('ho-c', '2022-06-02T10:00:00Z', '2022-06-02T10:30:00Z');
  await session('ho-d', '2022-05-31T23:00:00Z', '2022-05-31T23:30:00Z');
  await session('ho-e', '2022-06-03T06:59:00Z', '2022-06-03T07:00:00Z');
  await events('ho-e', [['waiting:customer_asked', '2022-06-03T07:00:00Z']]);
  // Taken over and handed back unanswered; a later reply (taken over from the assistant) answers no request.
  await session('ho-f', '2022-06-03T07:59:00Z', '2022-06-03T09:05:00Z');
  await events('ho-f', [
    ['waiting:customer_asked', '2022-06-03T08:00:00Z'],
    ['agent:taken_over', '2022-06-03T08:01:00Z'],
    ['assistant:handed_back', '2022-06-03T08:02:00Z'],
    ['agent:taken_over', '2022-06-03T09:00:00Z'],
    ['message', '2022-06-03T09:05:00Z'],
  ]);
});
afterAll(async () => {
  await stack?.close();
});

describe(`overview handoff figures (${process.env.TETHER_TEST_STACK ?? 'services'} stack)`, () => {
  it('counts rate, reasons, time to first human reply, hand-backs and agent replies as worked out by hand', async () => {
    const handoff = await expectRecount(parsePeriod({ period: 'custom', from: '2022-06-01', to: '2022-06-03' }), 'days');
    expect(handoff.totals).toEqual({
      active: 5,
      asked: 4,
      requests: 5,
      answered: 2,
      // percentile_cont of 2 min and 45 min.
      firstReplyP50: (120_000 + 2_700_000) / 2,
      firstReplyP95: 120_000 + 0.95 * (2_700_000 - 120_000),
      byReason: { customer_asked: 3, model_escalated: 1, model_errors: 1, agent_silent: 1 },
      handedBack: 2,
      agentReplies: 4,
    });
    expect(handoff.reasons).toEqual(['agent_silent', 'customer_asked', 'model_errors', 'model_escalated']);
    expect(handoff.buckets.map((b) => [b.at.toISOString().slice(0, 10), b.active, b.asked, b.requests, b.answered, b.firstReplyP50, b.handedBack, b.agentReplies])).toEqual([
      ['2022-06-01', 2, 2, 2, 1, 120_000, 1, 2],
      ['2022-06-02', 2, 1, 1, 1, 2_700_000, 0, 1],
      ['2022-06-03', 2, 2, 2, 0, null, 1, 1],
    ]);
    expect(handoff.buckets[1]?.byReason).toEqual({ model_errors: 1, agent_silent: 1 });
  });

  it('goes by the hour for one day, each conversation in every hour its span touches', async () => {
    const handoff = await expectRecount(parsePeriod({ period: 'custom', from: '2022-06-02', to: '2022-06-02' }), 'hours');
    expect(handoff.buckets).toHaveLength(24);
    // ho-b from midnight to 09:00, ho-c at 10:00.
    expect(handoff.buckets.map((b) => b.active)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ...Array(13).fill(0)]);
    expect(handoff.buckets[8]).toMatchObject({ asked: 1, requests: 1, answered: 1, firstReplyP50: 2_700_000, agentReplies: 1 });
    expect(handoff.totals).toMatchObject({ active: 2, asked: 1, handedBack: 0 });
  });

  it('equals the recount after a handoff through the real stack, and after the conversation is deleted', async () => {
    const today = parsePeriod({ period: 'today' });
    const week = parsePeriod({ period: '7d' });
    const before = (await expectRecount(today, 'before')).totals;
    const sessionId = await stack.newSession();
    expect((await stack.send(sessionId, 'I want a person')).status).toBe(200);
    const ana: Actor = { kind: 'agent', role: 'agent', id: randomUUID(), name: 'Ana' };
    const change = (action: Parameters<TestStack['runtime']['memory']['changeState']>[0]['action'], actor: Actor) =>
      stack.runtime.memory.changeState({ sessionId, action, actor, auditId: uuidv7(), now: new Date() });
    expect(await change({ kind: 'request', reason: 'customer_asked' }, { kind: 'customer' })).toMatchObject({ kind: 'changed' });
    expect(await change({ kind: 'take_over' }, ana)).toMatchObject({ kind: 'changed' });
    if (ana.kind !== 'agent') throw new Error('unreachable');
    const sent = await stack.runtime.memory.appendAgentMessage({ sessionId, agent: ana, text: 'Hi, Ana here.', auditId: uuidv7(), now: new Date() });
    expect(sent).toMatchObject({ kind: 'sent' });
    expect(await change({ kind: 'hand_back' }, ana)).toMatchObject({ kind: 'changed' });
    await stack.settle();

    const after = (await expectRecount(today, 'handed off today')).totals;
    await expectRecount(week, 'handed off this week');
    expect(after).toMatchObject({
      asked: before.asked + 1,
      requests: before.requests + 1,
      answered: before.answered + 1,
      handedBack: before.handedBack + 1,
      agentReplies: before.agentReplies + 1,
      byReason: { ...before.byReason, customer_asked: (before.byReason.customer_asked ?? 0) + 1 },
    });
    expect(after.firstReplyP50).not.toBeNull();

    await stack.query('delete from sessions where id = $1', [sessionRef(sessionId)]);
    expect((await expectRecount(today, 'deleted')).totals).toMatchObject({ asked: before.asked, agentReplies: before.agentReplies });
  });
});
