import { describe, expect, it } from 'vitest';
import { parseStreamEntry, type StateEntry, streamFields } from '@/lib/audit/types';

const entry: StateEntry = {
  kind: 'state',
  seq: null,
  record: {
    auditId: '0195f2a0-0000-7000-8000-000000000001',
    sessionId: 's2.abc',
    afterSeq: 0,
    eventSeq: 1,
    state: 'waiting',
    previous: 'assistant',
    reason: 'model_escalated',
    detail: 'Refund above my limit',
    actor: { kind: 'assistant', agentId: null, name: null },
    owner: null,
    at: '2026-12-03T10:00:00.000Z',
  },
};

describe('a state change as an audit stream entry', () => {
  it('reads back exactly as written (outbox files and dead letters use the same fields)', () => {
    expect(parseStreamEntry(streamFields(entry))).toEqual({ ok: true, entry });
  });

  it('takes its numbers from the fields a script wrote, before any turn (after turn 0)', () => {
    const { afterSeq: _a, eventSeq: _e, ...rest } = entry.record;
    const fields = { v: '2', k: 'state', s: '0', e: '7', r: JSON.stringify(rest) };
    const parsed = parseStreamEntry(fields);
    expect(parsed).toMatchObject({ ok: true, entry: { record: { afterSeq: 0, eventSeq: 7 } } });
  });

  it('is refused with the reason when it holds an unknown state (never dropped: a dead letter)', () => {
    const fields = { ...streamFields(entry), r: JSON.stringify({ ...entry.record, state: 'away' }) };
    expect(parseStreamEntry(fields)).toMatchObject({ ok: false, reason: expect.stringContaining('state') });
  });
});
