import { describe, expect, it } from 'vitest';
import { waitedFor, waitingReason } from '@/components/admin/handoff-words';
import { mergeEntries, type TranscriptEvent, type TranscriptTurn } from '@/lib/admin/transcript';

/** What the inbox and the transcript say about a handoff, without a database. */

const turn = (seq: number) => ({ seq, auditId: `t${seq}` }) as TranscriptTurn;
const event = (eventSeq: number, afterSeq: number) => ({ id: `e${eventSeq}`, eventSeq, afterSeq }) as TranscriptEvent;

function order(entries: ReturnType<typeof mergeEntries>): string[] {
  return entries.map((entry) => (entry.kind === 'turn' ? entry.turn.auditId : entry.event.id));
}

describe('mergeEntries', () => {
  it('puts each event after the turn numbered its after_seq, events among themselves by event_seq', () => {
    const turns = [turn(1), turn(2), turn(3)];
    // Given out of order: the merge orders them itself.
    const events = [event(3, 2), event(1, 0), event(2, 2), event(4, 3), event(5, 9)];
    expect(order(mergeEntries(turns, events))).toEqual(['e1', 't1', 't2', 'e2', 'e3', 't3', 'e4', 'e5']);
  });

  it('keeps every turn of one number together before that number’s events (turns written while memory was away)', () => {
    const turns = [turn(1), turn(1), turn(2)];
    expect(order(mergeEntries(turns, [event(1, 1)]))).toEqual(['t1', 't1', 'e1', 't2']);
  });

  it('shows events alone when there are no turns yet', () => {
    expect(order(mergeEntries([], [event(1, 0), event(2, 0)]))).toEqual(['e1', 'e2']);
  });
});

describe('the inbox words', () => {
  it('says how long a conversation has waited', () => {
    const since = '2026-12-03T10:00:00.000Z';
    const at = (minutes: number) => Date.parse(since) + minutes * 60_000;
    expect(waitedFor(since, at(0.5))).toBe('waiting under 1 min');
    expect(waitedFor(since, at(3))).toBe('waiting 3 min');
    expect(waitedFor(since, at(125))).toBe('waiting 2 h 5 min');
    // A clock a little behind the server's never shows a negative wait.
    expect(waitedFor(since, at(-1))).toBe('waiting under 1 min');
  });

  it('says why it waits, with the assistant’s own words when it asked', () => {
    expect(waitingReason('customer_asked', null)).toBe('Customer asked');
    expect(waitingReason('model_escalated', 'refund over the limit')).toBe('The assistant asked: refund over the limit');
    expect(waitingReason('model_errors', null)).toBe('Too many model errors');
    expect(waitingReason('agent_silent', null)).toBe('Back in the queue: the agent went silent');
  });
});
