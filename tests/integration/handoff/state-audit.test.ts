import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deleteAuditOlderThan } from '@/lib/audit/retention';
import { PostgresAuditSink } from '@/lib/audit/sink';
import type { StateEntry, StateRecord } from '@/lib/audit/types';
import { sessionRef } from '@/lib/session-ref';
import { sharedTestStack, STACK, type TestStack } from '../../support/stack';

/**
 * State changes of a conversation (who answers it) reach the audit trail exactly once, whatever
 * order they arrive in, and the session row always shows the newest one: what the inbox and the
 * transcript read. Runs on Postgres and on the embedded PGlite.
 */

const stack: TestStack = sharedTestStack();
// The sink the drainer and the direct writer use, on the stack's database.
const sink = () => new PostgresAuditSink(async () => (await stack.runtime.database()).db, { redact: 'off' });

const ana = { id: randomUUID(), name: 'Ana' };

function change(sessionId: string, eventSeq: number, fields: Partial<StateRecord>): StateEntry {
  return {
    kind: 'state',
    seq: null,
    record: {
      auditId: randomUUID(),
      sessionId,
      afterSeq: 0,
      eventSeq,
      state: 'waiting',
      previous: 'assistant',
      reason: 'customer_asked',
      detail: null,
      actor: { kind: 'customer', agentId: null, name: null },
      owner: null,
      at: new Date(Date.UTC(2026, 11, 3, 10, 0, eventSeq)).toISOString(),
      ...fields,
    },
  };
}

interface SessionState {
  state: string;
  state_version: number;
  state_reason: string | null;
  state_owner_name: string | null;
}

async function sessionState(sessionId: string): Promise<SessionState | undefined> {
  const [row] = await stack.query<SessionState>(
    'select state, state_version, state_reason, state_owner_name from sessions where id = $1',
    [sessionRef(sessionId)],
  );
  return row;
}

async function events(sessionId: string): Promise<Array<{ event_seq: number; state: string; actor_kind: string; owner_name: string | null }>> {
  return stack.query('select event_seq, state, actor_kind, owner_name from conversation_events where session_id = $1 order by event_seq', [
    sessionRef(sessionId),
  ]);
}

describe(`state changes in the audit trail (${STACK})`, () => {
  it('records each change once with who and why, and the session shows the newest', async () => {
    const sessionId = await stack.newSession();
    const asked = change(sessionId, 1, {});
    const taken = change(sessionId, 2, {
      state: 'agent',
      previous: 'waiting',
      reason: 'taken_over',
      actor: { kind: 'agent', agentId: ana.id, name: ana.name },
      owner: ana,
    });
    expect(await sink().apply([asked, taken])).toEqual({ applied: 2, rejected: [] });
    // A replayed batch (a drainer crashed before acknowledging it) changes nothing.
    await sink().apply([asked, taken, asked]);

    expect(await events(sessionId)).toEqual([
      { event_seq: 1, state: 'waiting', actor_kind: 'customer', owner_name: null },
      { event_seq: 2, state: 'agent', actor_kind: 'agent', owner_name: 'Ana' },
    ]);
    expect(await sessionState(sessionId)).toEqual({
      state: 'agent',
      state_version: 2,
      state_reason: 'taken_over',
      state_owner_name: 'Ana',
    });
  });

  it('never lets an older change that arrives late overwrite a newer one', async () => {
    const sessionId = await stack.newSession();
    const handedBack = change(sessionId, 3, { state: 'assistant', previous: 'agent', reason: 'handed_back' });
    const asked = change(sessionId, 1, {});
    await sink().apply([handedBack]);
    await sink().apply([asked]);
    expect((await sessionState(sessionId))?.state).toBe('assistant');
    expect((await events(sessionId)).map((e) => e.event_seq)).toEqual([1, 3]);
  });

  it('gives a conversation whose first act was asking for a person its session row', async () => {
    const sessionId = `s2.never-wrote-${randomUUID()}`;
    await sink().apply([change(sessionId, 1, { detail: 'Refund\u0000 above the limit' })]);
    expect(await sessionState(sessionId)).toMatchObject({ state: 'waiting', state_reason: 'customer_asked' });
    const [row] = await stack.query<{ detail: string }>('select detail from conversation_events where session_id = $1', [
      sessionRef(sessionId),
    ]);
    // Stored in the form Postgres can hold (lib/db/text.ts), never dropped.
    expect(row?.detail).toContain('Refund');
  });

  it('is deleted by retention like the turns it sits between', async () => {
    const sessionId = await stack.newSession();
    await sink().apply([change(sessionId, 1, { at: '2020-01-01T00:00:00.000Z' })]);
    const report = await deleteAuditOlderThan((await stack.runtime.database()).db, new Date('2021-01-01T00:00:00.000Z'));
    expect(report.events).toBeGreaterThanOrEqual(1);
    expect(await events(sessionId)).toEqual([]);
  });
});
