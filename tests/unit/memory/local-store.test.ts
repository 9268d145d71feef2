import { beforeEach, describe, expect, it } from 'vitest';
import { LocalMemoryStore } from '@/lib/memory/local-store';
import { SEEN_MARKER_TTL_SECONDS, type AppendOptions, type Exchange, type MemoryCaps } from '@/lib/memory/types';

const TTL_SECONDS = 60;
const LOCK_TTL_MS = 5_000;
const CAPS: MemoryCaps = { maxTurns: 3, maxTokens: 1_000, ttlSeconds: TTL_SECONDS };
const SESSION = 's1.session-under-test';

let now: number;
let store: LocalMemoryStore;

beforeEach(() => {
  now = Date.parse('2025-05-01T10:00:00.000Z');
  store = new LocalMemoryStore(CAPS, () => now);
});

function advance(ms: number): void {
  now += ms;
}

function exchange(n: number, tokens = 10): Exchange {
  const at = new Date(now).toISOString();
  return {
    user: { role: 'user', text: `question ${n}`, at, tokens, auditId: `audit-${n}` },
    assistant: { role: 'assistant', text: `answer ${n}`, at, tokens, auditId: `audit-${n}` },
  };
}

function options(lockToken: string, fresh = false): AppendOptions {
  return { lockToken, fresh, now: new Date(now) };
}

/** One whole turn: take the lock, store the exchange. */
async function turn(n: number, sessionId = SESSION, tokens = 10) {
  const begun = await store.begin(sessionId, `lock-${n}`, LOCK_TTL_MS);
  if (begun.kind !== 'loaded' || !begun.locked) throw new Error(`turn ${n} could not take the lock`);
  const stored = await store.append(sessionId, exchange(n, tokens), options(`lock-${n}`));
  if (stored.kind !== 'stored') throw new Error(`turn ${n} was not stored`);
  return stored;
}

async function texts(sessionId = SESSION): Promise<string[]> {
  return (await store.read(sessionId)).messages.map((m) => m.text);
}

describe('LocalMemoryStore: loading', () => {
  it('reports a session it never saw as new, and takes its lock', async () => {
    const begun = await store.begin(SESSION, 'lock-1', LOCK_TTL_MS);
    expect(begun).toEqual({
      kind: 'loaded',
      locked: true,
      memory: { status: 'new', messages: [], summary: null, seq: 0, createdAt: null },
    });
  });

  it('remembers stored exchanges in order, with seq and createdAt', async () => {
    const created = new Date(now).toISOString();
    await turn(1);
    advance(1_000);
    await turn(2);
    const memory = await store.read(SESSION);
    expect(memory.status).toBe('ok');
    expect(memory.messages.map((m) => m.text)).toEqual(['question 1', 'answer 1', 'question 2', 'answer 2']);
    expect(memory.seq).toBe(2);
    expect(memory.createdAt).toBe(created);
  });

  it('hands out copies: changing loaded messages does not change memory', async () => {
    await turn(1);
    const memory = await store.read(SESSION);
    memory.messages[0]!.text = 'tampered';
    memory.messages.pop();
    expect(await texts()).toEqual(['question 1', 'answer 1']);
  });

  it('keeps sessions apart', async () => {
    await turn(1, 'session-a');
    await turn(2, 'session-b');
    expect(await texts('session-a')).toEqual(['question 1', 'answer 1']);
    expect(await texts('session-b')).toEqual(['question 2', 'answer 2']);
  });
});

describe('LocalMemoryStore: TTL', () => {
  it('forgets a session after its TTL and then reports it as expired, not new', async () => {
    await turn(1);
    advance(TTL_SECONDS * 1000 - 1);
    expect((await store.read(SESSION)).status).toBe('ok');
    advance(1);
    expect(await store.read(SESSION)).toEqual({ status: 'expired', messages: [], summary: null, seq: 0, createdAt: null });
    const begun = await store.begin(SESSION, 'lock-2', LOCK_TTL_MS);
    expect(begun.kind === 'loaded' && begun.memory.status).toBe('expired');
  });

  it('reports an expired session as new once the seen marker is gone too', async () => {
    await turn(1);
    advance(SEEN_MARKER_TTL_SECONDS * 1000);
    expect((await store.read(SESSION)).status).toBe('new');
  });

  it('renews the TTL on every append (sliding expiry)', async () => {
    await turn(1);
    expect(store.pttl(SESSION)).toBe(TTL_SECONDS * 1000);
    advance(50_000);
    expect(store.pttl(SESSION)).toBe(10_000);
    await turn(2);
    expect(store.pttl(SESSION)).toBe(TTL_SECONDS * 1000);
    // 50 s after the first append would have expired it; the second one keeps it alive.
    advance(50_000);
    expect(await texts()).toEqual(['question 1', 'answer 1', 'question 2', 'answer 2']);
  });

  it('answers -2 for the TTL of a session that has no record', async () => {
    expect(store.pttl(SESSION)).toBe(-2);
    await turn(1);
    advance(TTL_SECONDS * 1000);
    expect(store.pttl(SESSION)).toBe(-2);
  });

  it('starts a new record after expiry, with seq back at 1', async () => {
    await turn(1);
    await turn(2);
    advance(TTL_SECONDS * 1000);
    const stored = await turn(3);
    expect(stored.seq).toBe(1);
    expect(await texts()).toEqual(['question 3', 'answer 3']);
  });
});

describe('LocalMemoryStore: the turn lock', () => {
  it('answers busy while another turn holds the lock', async () => {
    await store.begin(SESSION, 'first', LOCK_TTL_MS);
    expect(await store.begin(SESSION, 'second', LOCK_TTL_MS)).toEqual({ kind: 'busy' });
    advance(LOCK_TTL_MS - 1);
    expect(await store.begin(SESSION, 'second', LOCK_TTL_MS)).toEqual({ kind: 'busy' });
  });

  it('lets the lock expire after its TTL, so a crashed turn does not block the session', async () => {
    await store.begin(SESSION, 'first', LOCK_TTL_MS);
    advance(LOCK_TTL_MS);
    const begun = await store.begin(SESSION, 'second', LOCK_TTL_MS);
    expect(begun).toMatchObject({ kind: 'loaded', locked: true });
  });

  it('refuses an append from a turn that does not hold the lock, and writes nothing', async () => {
    await turn(1);
    await store.begin(SESSION, 'holder', LOCK_TTL_MS);
    expect(await store.append(SESSION, exchange(2), options('intruder'))).toEqual({ kind: 'locked' });
    const memory = await store.read(SESSION);
    expect(memory.messages.map((m) => m.text)).toEqual(['question 1', 'answer 1']);
    expect(memory.seq).toBe(1);
    // The holder's lock is untouched by the refused append.
    expect(await store.begin(SESSION, 'other', LOCK_TTL_MS)).toEqual({ kind: 'busy' });
  });

  it('refuses the append of a turn whose lock expired and was taken by another turn', async () => {
    await store.begin(SESSION, 'slow', LOCK_TTL_MS);
    advance(LOCK_TTL_MS);
    await store.begin(SESSION, 'fast', LOCK_TTL_MS);
    expect(await store.append(SESSION, exchange(1), options('slow'))).toEqual({ kind: 'locked' });
    expect(await store.append(SESSION, exchange(2), options('fast'))).toMatchObject({ kind: 'stored', seq: 1 });
    expect(await texts()).toEqual(['question 2', 'answer 2']);
  });

  it('gives the lock back when the exchange is stored', async () => {
    await turn(1);
    expect(await store.begin(SESSION, 'next', LOCK_TTL_MS)).toMatchObject({ kind: 'loaded', locked: true });
  });

  it('releases the lock only for its holder', async () => {
    await store.begin(SESSION, 'holder', LOCK_TTL_MS);
    await store.release(SESSION, 'someone-else');
    expect(await store.begin(SESSION, 'other', LOCK_TTL_MS)).toEqual({ kind: 'busy' });
    await store.release(SESSION, 'holder');
    expect(await store.begin(SESSION, 'other', LOCK_TTL_MS)).toMatchObject({ kind: 'loaded', locked: true });
  });

  it('does not let a stale holder release a lock that another turn took after expiry', async () => {
    await store.begin(SESSION, 'slow', LOCK_TTL_MS);
    advance(LOCK_TTL_MS);
    await store.begin(SESSION, 'fast', LOCK_TTL_MS);
    await store.release(SESSION, 'slow');
    expect(await store.begin(SESSION, 'third', LOCK_TTL_MS)).toEqual({ kind: 'busy' });
  });
});

describe('LocalMemoryStore: append', () => {
  it('replaces the record on a fresh append', async () => {
    await turn(1);
    await turn(2);
    await store.saveSummary(SESSION, 'old summary');
    advance(10_000);
    const begun = await store.begin(SESSION, 'lock-3', LOCK_TTL_MS);
    expect(begun.kind).toBe('loaded');
    const stored = await store.append(SESSION, exchange(3), options('lock-3', true));
    expect(stored).toEqual({ kind: 'stored', seq: 1, evicted: [] });
    const memory = await store.read(SESSION);
    expect(memory.messages.map((m) => m.text)).toEqual(['question 3', 'answer 3']);
    expect(memory.summary).toBeNull();
    expect(memory.createdAt).toBe(new Date(now).toISOString());
  });

  it('applies the turn cap and returns the evicted exchange', async () => {
    for (let n = 1; n <= 3; n++) expect((await turn(n)).evicted).toEqual([]);
    const fourth = await turn(4);
    expect(fourth.evicted.map((m) => m.text)).toEqual(['question 1', 'answer 1']);
    expect(fourth.seq).toBe(4);
    expect(await texts()).toEqual(['question 2', 'answer 2', 'question 3', 'answer 3', 'question 4', 'answer 4']);
  });

  it('applies the token cap', async () => {
    await turn(1, SESSION, 200);
    await turn(2, SESSION, 200);
    // 800 + 900 tokens > 1,000 with only 3 of 3 exchanges: dropping exchange 1 leaves 1,300, still too
    // many, so exchange 2 goes too.
    const third = await turn(3, SESSION, 450);
    expect(third.evicted.map((m) => m.text)).toEqual(['question 1', 'answer 1', 'question 2', 'answer 2']);
    expect(await texts()).toEqual(['question 3', 'answer 3']);
  });

  it('keeps the summary across appends', async () => {
    await turn(1);
    await store.saveSummary(SESSION, 'The customer is Ada.');
    await turn(2);
    expect((await store.read(SESSION)).summary).toBe('The customer is Ada.');
  });

  it('does not save a summary for a session without a record', async () => {
    await store.saveSummary(SESSION, 'orphan');
    expect(await store.read(SESSION)).toMatchObject({ status: 'new', summary: null });
  });
});

describe('LocalMemoryStore: remove', () => {
  it('forgets everything: messages, the expired marker and the lock', async () => {
    await turn(1);
    await store.begin(SESSION, 'held', LOCK_TTL_MS);
    await store.remove(SESSION);
    expect(await store.read(SESSION)).toEqual({ status: 'new', messages: [], summary: null, seq: 0, createdAt: null });
    expect(store.pttl(SESSION)).toBe(-2);
    expect(await store.begin(SESSION, 'after', LOCK_TTL_MS)).toMatchObject({ kind: 'loaded', locked: true });
  });

  it('leaves other sessions alone', async () => {
    await turn(1, 'keep-me');
    await turn(2, 'remove-me');
    await store.remove('remove-me');
    expect(await texts('keep-me')).toEqual(['question 1', 'answer 1']);
  });
});
