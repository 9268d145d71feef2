import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LeaseChecker } from '@/lib/audit/abandon';
import { AuditDrainer, DRAIN_SPACING_MS, DRAIN_SWEEP_MS } from '@/lib/audit/drainer';
import type { FileAuditOutbox } from '@/lib/audit/outbox';
import type { RedisAuditStream, StreamEntry, TakeOptions } from '@/lib/audit/redis-stream';
import type { AuditEntry } from '@/lib/audit/types';
import type { Database } from '@/lib/db/client';

/**
 * The drain loop's cadence on a long-lived server, with the stream, Postgres and the clock faked:
 * what an operator pays for (Redis requests, Postgres queries) while nothing happens, and how soon a
 * turn's entries move after its nudge.
 */

const ABANDON_AFTER_MS = 16_000;

interface Fake {
  drainer: AuditDrainer;
  takes: TakeOptions[];
  /** Postgres statements (the abandon query); batches go to `applied`. */
  queries: number;
  applied: AuditEntry[][];
  queue: StreamEntry[];
  stale: number;
}

function fake(): Fake {
  const state: Omit<Fake, 'drainer'> = { takes: [], queries: 0, applied: [], queue: [], stale: 0 };
  const stream = {
    take: async (count: number, _lockMs: number, options: TakeOptions = {}) => {
      state.takes.push(options);
      const entries = state.queue.splice(0, count);
      return { entries, legacyLength: 0, staleOpenTurns: state.stale };
    },
    release: async () => undefined,
    ack: async () => undefined,
    length: async () => state.queue.length,
    readLegacy: async () => [],
    ackLegacy: async () => undefined,
  } as unknown as RedisAuditStream;
  const db = {
    execute: async () => {
      state.queries += 1;
      return [];
    },
  } as unknown as Database;
  const leases: LeaseChecker = { leasesHeld: async () => new Set() };
  const drainer = new AuditDrainer({
    sink: {
      apply: async (entries) => {
        state.applied.push([...entries]);
        return { applied: entries.length, rejected: [] };
      },
    },
    database: async () => db,
    deadLetters: { add: async () => undefined, countOpen: async () => 0 },
    outbox: { drain: async () => ({ handled: 0, remaining: 0 }), size: async () => 0 } as unknown as FileAuditOutbox,
    stream,
    leases,
    abandonAfterMs: ABANDON_AFTER_MS,
  });
  return Object.assign(state, { drainer });
}

let n = 0;
function entry(): StreamEntry {
  n += 1;
  const record = { auditId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, sessionId: 'c_aaaaaaaaaaaaaaaa' };
  return { id: `${1000 + n}-0`, fields: { v: '2', k: 'void', s: String(n), r: JSON.stringify(record) } };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  vi.useRealTimers();
});

describe('the audit drain loop', () => {
  it('idle: one stream request every 30 s (at most 2 a minute), and one Postgres query in all (the first sweep after 16 s)', async () => {
    const f = fake();
    f.drainer.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(f.takes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    // One sweep per DRAIN_SWEEP_MS: 20 in ten minutes after the first.
    expect(f.takes.length).toBeGreaterThanOrEqual(20);
    expect(f.takes.length).toBeLessThanOrEqual(21);
    // The start's one look for turns a crash left behind; nothing after it.
    expect(f.queries).toBe(1);
    await f.drainer.stop();
  });

  it('a nudge drains within 50 ms; nudges closer than the spacing share one pass', async () => {
    const f = fake();
    f.drainer.start();
    await vi.advanceTimersByTimeAsync(ABANDON_AFTER_MS + 1000);
    const before = f.takes.length;
    f.queue.push(entry());
    f.drainer.nudge();
    await vi.advanceTimersByTimeAsync(60);
    expect(f.applied.flat()).toHaveLength(1);
    expect(f.takes.length).toBe(before + 1);
    // Two more turns end 500 ms and 1000 ms later: one pass takes both, DRAIN_SPACING_MS after the first.
    await vi.advanceTimersByTimeAsync(440);
    f.queue.push(entry());
    f.drainer.nudge();
    await vi.advanceTimersByTimeAsync(500);
    f.queue.push(entry());
    f.drainer.nudge();
    await vi.advanceTimersByTimeAsync(DRAIN_SPACING_MS - 1000 + 60);
    expect(f.applied.map((batch) => batch.length)).toEqual([1, 2]);
    expect(f.takes.length).toBe(before + 2);
    // The trim of the last batch rides on the next request instead of costing one of its own.
    expect(f.takes.at(-1)?.trimBelow).toBe(nextId(f.applied[0]!));
    await f.drainer.stop();
  });

  it('an urgent nudge (a handoff change, an agent message) drains within 50 ms even inside the spacing', async () => {
    const f = fake();
    f.drainer.start();
    await vi.advanceTimersByTimeAsync(ABANDON_AFTER_MS + 1000);
    f.queue.push(entry());
    f.drainer.nudge();
    await vi.advanceTimersByTimeAsync(60);
    expect(f.applied.flat()).toHaveLength(1);
    // 100 ms later, well inside DRAIN_SPACING_MS: a turn's nudge would wait, an urgent one does not.
    await vi.advanceTimersByTimeAsync(100);
    f.queue.push(entry());
    f.drainer.nudge();
    f.drainer.nudge(true);
    await vi.advanceTimersByTimeAsync(60);
    expect(f.applied.map((batch) => batch.length)).toEqual([1, 1]);
    await f.drainer.stop();
  });

  it('stale open turns in the take: one abandon query, and the next take forgets them', async () => {
    const f = fake();
    f.drainer.start();
    await vi.advanceTimersByTimeAsync(DRAIN_SWEEP_MS + 10);
    expect(f.queries).toBe(1);
    f.stale = 1;
    await vi.advanceTimersByTimeAsync(DRAIN_SWEEP_MS);
    expect(f.queries).toBe(2);
    f.stale = 0;
    await vi.advanceTimersByTimeAsync(DRAIN_SWEEP_MS);
    expect(f.takes.at(-1)?.forgetBefore).toEqual(expect.any(Number));
    await vi.advanceTimersByTimeAsync(3 * DRAIN_SWEEP_MS);
    expect(f.queries).toBe(2);
    expect(f.takes.at(-1)?.forgetBefore).toBeUndefined();
    await f.drainer.stop();
  });
});

/** The trim id after a batch: the id following its last entry's (applied entries are voids here, so by count). */
function nextId(batch: AuditEntry[]): string {
  const seq = batch.at(-1)?.seq ?? 0;
  return `${1000 + seq}-1`;
}
