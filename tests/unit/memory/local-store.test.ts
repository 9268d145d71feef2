import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry, TurnRecord } from '@/lib/audit/types';
import { LocalMemoryStore, type LocalAuditSink } from '@/lib/conversation/local/store';
import {
  COUNTER_TTL_SECONDS,
  ISSUED_COUNTER_TTL_SECONDS,
  type BeginResult,
  type CommitRequest,
  type Exchange,
  type MemoryCaps,
  type Seed,
} from '@/lib/conversation/types';

const TTL_SECONDS = 60;
const LEASE_MS = 5_000;
const CAPS: MemoryCaps = { maxTurns: 3, maxTokens: 1_000, ttlSeconds: TTL_SECONDS };
const SESSION = 's1.session-under-test';

/** A sink that keeps what memory handed to the audit, in order. */
class RecordingSink implements LocalAuditSink {
  readonly entries: AuditEntry[] = [];
  async write(entry: AuditEntry): Promise<void> {
    this.entries.push(structuredClone(entry));
  }
}

let now: number;
let sink: RecordingSink;
let store: LocalMemoryStore;
const dirs: string[] = [];

function makeStore(dir?: string): LocalMemoryStore {
  return new LocalMemoryStore(CAPS, sink, { clock: () => now, ...(dir ? { dir } : {}) });
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tether-local-store-'));
  dirs.push(dir);
  return dir;
}

beforeEach(() => {
  now = Date.parse('2025-05-01T10:00:00.000Z');
  sink = new RecordingSink();
  store = makeStore();
});

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function advance(ms: number): void {
  now += ms;
}

function record(auditId: string, sessionId = SESSION, status: TurnRecord['status'] = 'pending'): TurnRecord {
  return {
    auditId,
    sessionId,
    messageId: null,
    userText: 'question',
    assistantText: status === 'pending' ? null : 'answer',
    status,
    memoryStatus: 'ok',
    errorCode: null,
    errorClass: null,
    model: 'mock',
    promptTokens: null,
    completionTokens: null,
    ttftMs: null,
    totalMs: null,
    contextAuditIds: [],
    promptMessages: [],
    createdAt: new Date(now).toISOString(),
    completedAt: status === 'pending' ? null : new Date(now).toISOString(),
    client: { userAgent: null, ipHash: null, origin: null },
  };
}

function exchange(n: number, auditId: string, opts: { tokens?: number; messageId?: string } = {}): Exchange {
  const at = new Date(now).toISOString();
  const tokens = opts.tokens ?? 10;
  return {
    user: { role: 'user', text: `question ${n}`, at, tokens, auditId, ...(opts.messageId ? { messageId: opts.messageId } : {}) },
    assistant: { role: 'assistant', text: `answer ${n}`, at, tokens, auditId },
  };
}

function begin(auditId: string, opts: { sessionId?: string; messageId?: string | null; seed?: Seed | null; target?: LocalMemoryStore } = {}) {
  const sessionId = opts.sessionId ?? SESSION;
  return (opts.target ?? store).begin({
    sessionId,
    auditId,
    leaseMs: LEASE_MS,
    messageId: opts.messageId ?? null,
    pending: record(auditId, sessionId),
    seed: opts.seed ?? null,
  });
}

function commit(
  n: number,
  auditId: string,
  opts: { sessionId?: string; seq?: number | null; fresh?: boolean; tokens?: number; messageId?: string; target?: LocalMemoryStore } = {},
) {
  const sessionId = opts.sessionId ?? SESSION;
  const request: CommitRequest = {
    sessionId,
    auditId,
    exchange: exchange(n, auditId, { tokens: opts.tokens, messageId: opts.messageId }),
    seq: opts.seq === undefined ? null : opts.seq,
    seed: null,
    fresh: opts.fresh ?? false,
    final: record(auditId, sessionId, 'ok'),
    now: new Date(now),
  };
  return (opts.target ?? store).commit(request);
}

function begunSeq(result: BeginResult): number {
  if (result.kind !== 'begun') throw new Error(`expected begun, got ${result.kind}`);
  return result.seq;
}

/** One whole turn of a known conversation: begin, then store the exchange. */
async function turn(n: number, opts: { sessionId?: string; tokens?: number; messageId?: string; target?: LocalMemoryStore } = {}) {
  const target = opts.target ?? store;
  const sessionId = opts.sessionId ?? SESSION;
  await target.register(sessionId);
  const auditId = randomUUID();
  const seq = begunSeq(await begin(auditId, { sessionId, messageId: opts.messageId ?? null, target }));
  const stored = await commit(n, auditId, { sessionId, seq, tokens: opts.tokens, messageId: opts.messageId, target });
  if (stored.kind !== 'stored') throw new Error(`turn ${n} was not stored: ${stored.kind}`);
  return { ...stored, auditId };
}

async function texts(sessionId = SESSION, target = store): Promise<string[]> {
  return (await target.read(sessionId)).messages.map((m) => m.text);
}

describe('LocalMemoryStore: who the customer is', () => {
  it('answers unseeded for a session it never saw, hands nothing to the audit and holds no lease', async () => {
    expect(await begin('a-1')).toEqual({ kind: 'unseeded' });
    expect(sink.entries).toEqual([]);
    expect(await store.leasesHeld([{ sessionId: SESSION, auditId: 'a-1' }])).toEqual(new Set());
  });

  it('begins after a seed that says the conversation never had memory: new, numbered after the seed', async () => {
    const begun = await begin('a-1', { seed: { seq: 0, kept: 0 } });
    expect(begun).toMatchObject({ kind: 'begun', seq: 1, memory: { status: 'new', messages: [] } });
  });

  it('begins after a seed that says the conversation had memory: expired, continuing its turn numbers', async () => {
    const begun = await begin('a-1', { seed: { seq: 7, kept: 3 } });
    expect(begun).toMatchObject({ kind: 'begun', seq: 8, memory: { status: 'expired', messages: [] } });
  });

  it('makes a freshly issued id new without a seed once it is registered', async () => {
    await store.register(SESSION);
    expect(await begin('a-1')).toMatchObject({ kind: 'begun', seq: 1, memory: { status: 'new' } });
  });

  it('does not reset a known conversation when register is called again', async () => {
    await turn(1);
    await store.register(SESSION);
    expect((await store.read(SESSION)).status).toBe('ok');
    expect(begunSeq(await begin('a-2'))).toBe(2);
  });

  it('forgets a registered id that never sent a message after a day', async () => {
    await store.register(SESSION);
    advance(ISSUED_COUNTER_TTL_SECONDS * 1000);
    expect(await begin('a-1')).toEqual({ kind: 'unseeded' });
  });
});

describe('LocalMemoryStore: loading', () => {
  it('remembers stored exchanges in order, with createdAt', async () => {
    const created = new Date(now).toISOString();
    await turn(1);
    advance(1_000);
    await turn(2);
    const memory = await store.read(SESSION);
    expect(memory.status).toBe('ok');
    expect(memory.messages.map((m) => m.text)).toEqual(['question 1', 'answer 1', 'question 2', 'answer 2']);
    expect(memory.createdAt).toBe(created);
  });

  it('hands the window to the turn that begins', async () => {
    await turn(1);
    const begun = await begin('a-2');
    expect(begun.kind === 'begun' && begun.memory.messages.map((m) => m.text)).toEqual(['question 1', 'answer 1']);
    expect(begun).toMatchObject({ memory: { status: 'ok' } });
  });

  it('hands out copies: changing loaded messages does not change memory', async () => {
    await turn(1);
    const memory = await store.read(SESSION);
    memory.messages[0]!.text = 'tampered';
    memory.messages.pop();
    expect(await texts()).toEqual(['question 1', 'answer 1']);
  });

  it('keeps sessions apart', async () => {
    await turn(1, { sessionId: 'session-a' });
    await turn(2, { sessionId: 'session-b' });
    expect(await texts('session-a')).toEqual(['question 1', 'answer 1']);
    expect(await texts('session-b')).toEqual(['question 2', 'answer 2']);
  });
});

describe('LocalMemoryStore: TTL and the turn counter', () => {
  it('forgets the messages after their TTL and reports the conversation as expired, not new', async () => {
    await turn(1);
    advance(TTL_SECONDS * 1000 - 1);
    expect((await store.read(SESSION)).status).toBe('ok');
    advance(1);
    expect(await store.read(SESSION)).toEqual({ status: 'expired', messages: [], summary: null, createdAt: null });
    expect(await begin('a-2')).toMatchObject({ kind: 'begun', seq: 2, memory: { status: 'expired', messages: [] } });
  });

  it('asks for the durable record (unseeded) once the counter itself is gone, never answers new', async () => {
    await turn(1);
    advance(COUNTER_TTL_SECONDS * 1000);
    expect(await begin('a-2')).toEqual({ kind: 'unseeded' });
  });

  it('renews the TTL on every commit (sliding expiry)', async () => {
    await turn(1);
    expect(store.pttl(SESSION)).toBe(TTL_SECONDS * 1000);
    advance(50_000);
    expect(store.pttl(SESSION)).toBe(10_000);
    await turn(2);
    expect(store.pttl(SESSION)).toBe(TTL_SECONDS * 1000);
    // 50 s after the first commit would have expired it; the second one keeps it alive.
    advance(50_000);
    expect(await texts()).toEqual(['question 1', 'answer 1', 'question 2', 'answer 2']);
  });

  it('answers -2 for the TTL of a session that has no record', async () => {
    expect(store.pttl(SESSION)).toBe(-2);
    await turn(1);
    advance(TTL_SECONDS * 1000);
    expect(store.pttl(SESSION)).toBe(-2);
  });

  it('starts a new window after expiry but keeps numbering turns where they were', async () => {
    await turn(1);
    await turn(2);
    advance(TTL_SECONDS * 1000);
    const third = await turn(3);
    expect(third.seq).toBe(3);
    expect(await texts()).toEqual(['question 3', 'answer 3']);
  });
});

describe('LocalMemoryStore: the audit entries it hands on', () => {
  it('hands a pending entry numbered 1, 2, 3 at begin and a final entry with the same number at commit', async () => {
    await store.register(SESSION);
    const ids: string[] = [];
    for (let n = 1; n <= 3; n++) {
      const auditId = randomUUID();
      ids.push(auditId);
      const seq = begunSeq(await begin(auditId));
      expect(seq).toBe(n);
      expect(await commit(n, auditId, { seq })).toMatchObject({ kind: 'stored', seq: n });
    }
    expect(sink.entries.map((e) => [e.kind, e.seq, e.record.auditId])).toEqual([
      ['pending', 1, ids[0]],
      ['final', 1, ids[0]],
      ['pending', 2, ids[1]],
      ['final', 2, ids[1]],
      ['pending', 3, ids[2]],
      ['final', 3, ids[2]],
    ]);
    const final = sink.entries[1]!;
    expect(final.kind === 'final' && final.record.status).toBe('ok');
  });

  it('numbers a commit that began without memory (seq null) after the last turn', async () => {
    await turn(1);
    const stored = await commit(2, randomUUID(), { seq: null });
    expect(stored).toMatchObject({ kind: 'stored', seq: 2 });
    expect(sink.entries.at(-1)).toMatchObject({ kind: 'final', seq: 2 });
    expect(begunSeq(await begin(randomUUID()))).toBe(3);
  });

  it('answers unseeded to a commit without a number for a conversation it does not know', async () => {
    expect(await commit(1, randomUUID(), { seq: null })).toEqual({ kind: 'unseeded' });
    expect(sink.entries).toEqual([]);
    expect(await store.read(SESSION)).toMatchObject({ messages: [] });
  });
});

describe('LocalMemoryStore: resends', () => {
  it('answers a resend with the stored reply at begin: nothing begins, nothing is audited, no number used', async () => {
    const first = await turn(1, { messageId: 'm-1' });
    const before = sink.entries.length;
    expect(await begin('a-resend', { messageId: 'm-1' })).toEqual({
      kind: 'replay',
      replay: { auditId: first.auditId, reply: 'answer 1' },
    });
    expect(sink.entries.length).toBe(before);
    expect(await store.leasesHeld([{ sessionId: SESSION, auditId: 'a-resend' }])).toEqual(new Set());
    expect(begunSeq(await begin('a-next'))).toBe(2);
  });

  it('answers duplicate at commit when the same message was stored meanwhile, and stores nothing', async () => {
    await store.register(SESSION);
    const slow = randomUUID();
    begunSeq(await begin(slow, { messageId: 'm-1' }));
    advance(LEASE_MS);
    // The slow turn's lease ran out; the customer's resend began and was answered first.
    const fast = randomUUID();
    const fastSeq = begunSeq(await begin(fast, { messageId: 'm-1' }));
    await commit(1, fast, { seq: fastSeq, messageId: 'm-1' });
    const before = sink.entries.length;
    const late = await commit(2, slow, { seq: 1, messageId: 'm-1' });
    expect(late).toEqual({ kind: 'duplicate', replay: { auditId: fast, reply: 'answer 1' } });
    expect(sink.entries.length).toBe(before);
    expect(await texts()).toEqual(['question 1', 'answer 1']);
  });
});

describe('LocalMemoryStore: the lease', () => {
  it('answers busy while another turn holds the lease', async () => {
    await store.register(SESSION);
    await begin('first');
    expect(await begin('second')).toEqual({ kind: 'busy' });
    advance(LEASE_MS - 1);
    expect(await begin('second')).toEqual({ kind: 'busy' });
  });

  it('lets the lease run out, so a crashed turn does not block the session', async () => {
    await store.register(SESSION);
    await begin('first');
    advance(LEASE_MS);
    expect(await begin('second')).toMatchObject({ kind: 'begun', seq: 2 });
  });

  it('refuses a commit from a turn that does not hold the lease (locked), and writes nothing', async () => {
    await turn(1);
    await begin('holder');
    const before = sink.entries.length;
    expect(await commit(2, 'intruder', { seq: 5 })).toEqual({ kind: 'locked' });
    expect(sink.entries.length).toBe(before);
    expect(await texts()).toEqual(['question 1', 'answer 1']);
    // The holder's lease is untouched by the refused commit.
    expect(await begin('other')).toEqual({ kind: 'busy' });
  });

  it('refuses the commit of a turn whose lease ran out and was taken by another turn', async () => {
    await store.register(SESSION);
    const slowSeq = begunSeq(await begin('slow'));
    advance(LEASE_MS);
    const fastSeq = begunSeq(await begin('fast'));
    expect(await commit(1, 'slow', { seq: slowSeq })).toEqual({ kind: 'locked' });
    expect(await commit(2, 'fast', { seq: fastSeq })).toMatchObject({ kind: 'stored', seq: 2 });
    expect(await texts()).toEqual(['question 2', 'answer 2']);
  });

  it('gives the lease back when the exchange is stored', async () => {
    await turn(1);
    expect(await begin('next')).toMatchObject({ kind: 'begun' });
  });

  it('record() releases the lease and hands on the final entry with the turn number', async () => {
    await store.register(SESSION);
    const auditId = randomUUID();
    const seq = begunSeq(await begin(auditId));
    const final = { ...record(auditId, SESSION, 'model_error'), errorCode: 'model_timeout' };
    // A model error also counts toward the handoff rule (HANDOFF_AFTER_MODEL_ERRORS).
    expect(await store.record({ sessionId: SESSION, auditId, seq, seed: null, entry: { kind: 'final', seq, record: final } })).toEqual({
      kind: 'recorded',
      seq,
      modelErrors: 1,
    });
    expect(sink.entries.at(-1)).toEqual({ kind: 'final', seq, record: final });
    expect(await store.leasesHeld([{ sessionId: SESSION, auditId }])).toEqual(new Set());
    expect(await begin('next')).toMatchObject({ kind: 'begun', seq: seq + 1 });
    // A failed turn stores no exchange.
    expect(await texts()).toEqual([]);
  });

  it('record() hands on a void entry for a turn that turned out to be a resend', async () => {
    await store.register(SESSION);
    const auditId = randomUUID();
    const seq = begunSeq(await begin(auditId));
    const entry = { kind: 'void' as const, seq, record: { auditId, sessionId: SESSION } };
    await store.record({ sessionId: SESSION, auditId, seq, seed: null, entry });
    expect(sink.entries.at(-1)).toEqual(entry);
    expect(await begin('next')).toMatchObject({ kind: 'begun' });
  });

  it('record() does not release a lease held by another turn', async () => {
    await store.register(SESSION);
    await begin('holder');
    const entry = { kind: 'void' as const, seq: 1, record: { auditId: 'stranger', sessionId: SESSION } };
    await store.record({ sessionId: SESSION, auditId: 'stranger', seq: 1, seed: null, entry });
    expect(await begin('other')).toEqual({ kind: 'busy' });
  });

  it('renew() keeps the lease alive while the turn runs', async () => {
    await store.register(SESSION);
    await begin('running');
    advance(LEASE_MS - 1);
    expect(await store.renew(SESSION, 'running', LEASE_MS)).toBe('held');
    advance(LEASE_MS - 1);
    // Without the renewal the lease would have run out by now.
    expect(await begin('next')).toEqual({ kind: 'busy' });
    advance(1);
    expect(await begin('next')).toMatchObject({ kind: 'begun' });
  });

  it("renew() says stop once the customer asked to stop that turn, and only that turn", async () => {
    await store.register(SESSION);
    await begin('running');
    await store.requestStop(SESSION, 'some-older-turn');
    expect(await store.renew(SESSION, 'running', LEASE_MS)).toBe('held');
    await store.requestStop(SESSION, 'running');
    expect(await store.renew(SESSION, 'running', LEASE_MS)).toBe('stop');
  });

  it('renew() says lost when another turn holds the lease, and leaves that lease alone', async () => {
    await store.register(SESSION);
    await begin('slow');
    advance(LEASE_MS);
    await begin('fast');
    expect(await store.renew(SESSION, 'slow', LEASE_MS)).toBe('lost');
    expect(await store.leasesHeld([{ sessionId: SESSION, auditId: 'fast' }])).toEqual(new Set(['fast']));
  });

  it('leasesHeld() names only the turns that still hold their lease', async () => {
    await store.register('s-a');
    await store.register('s-b');
    await begin('a-live', { sessionId: 's-a' });
    await begin('b-old', { sessionId: 's-b' });
    advance(LEASE_MS / 2);
    expect(await store.renew('s-a', 'a-live', LEASE_MS)).toBe('held');
    advance(LEASE_MS / 2 + 1);
    const held = await store.leasesHeld([
      { sessionId: 's-a', auditId: 'a-live' },
      { sessionId: 's-b', auditId: 'b-old' },
      { sessionId: 's-a', auditId: 'not-the-holder' },
    ]);
    expect(held).toEqual(new Set(['a-live']));
  });
});

describe('LocalMemoryStore: commit', () => {
  it('replaces the record on a fresh commit, keeping the turn numbers', async () => {
    await turn(1);
    await turn(2);
    await store.saveSummary(SESSION, 'old summary');
    advance(10_000);
    const seq = begunSeq(await begin('a-3'));
    const stored = await commit(3, 'a-3', { seq, fresh: true });
    expect(stored).toEqual({ kind: 'stored', seq: 3, evicted: [] });
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
    await turn(1, { tokens: 200 });
    await turn(2, { tokens: 200 });
    // 800 + 900 tokens > 1,000 with only 3 of 3 exchanges: dropping exchange 1 leaves 1,300, still too
    // many, so exchange 2 goes too.
    const third = await turn(3, { tokens: 450 });
    expect(third.evicted.map((m) => m.text)).toEqual(['question 1', 'answer 1', 'question 2', 'answer 2']);
    expect(await texts()).toEqual(['question 3', 'answer 3']);
  });

  it('keeps the summary across commits', async () => {
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

describe('LocalMemoryStore: rate limit', () => {
  it('refuses more turns per minute than allowed (a sliding minute), with the time until one more fits', async () => {
    store = new LocalMemoryStore({ ...CAPS, turnsPerMinute: 2 }, sink, { clock: () => now });
    await turn(1);
    advance(10_000);
    await turn(2);
    const before = sink.entries.length;
    const refused = await begin('a-3');
    expect(refused).toMatchObject({ kind: 'rate_limited', by: 'conversation' });
    const wait = (refused as { retryAfterMs: number }).retryAfterMs;
    // Whole seconds, no later than a fixed minute from the first turn would have said.
    expect(wait % 1000).toBe(0);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(61_000);
    expect(sink.entries.length).toBe(before);
    advance(wait - 1000);
    expect(await begin('a-3')).toMatchObject({ kind: 'rate_limited' });
    advance(1000);
    expect(await begin('a-3')).toMatchObject({ kind: 'begun', seq: 3 });
  });

  it('counts the chat limits first, once: over them nothing is begun and the conversation limit is not spent', async () => {
    store = new LocalMemoryStore({ ...CAPS, turnsPerMinute: 5 }, sink, { clock: () => now });
    const limits = [[{ name: 'chat-ip', limit: 1, windowSeconds: 60 }, 'ip-1']] as const;
    const request = (auditId: string) => ({
      sessionId: SESSION,
      auditId,
      leaseMs: LEASE_MS,
      messageId: null,
      pending: record(auditId, SESSION),
      seed: { seq: 0, kept: 0 },
      limits,
    });
    const first = await store.begin(request('a-1'));
    expect(first).toMatchObject({ kind: 'begun', seq: 1 });
    const before = sink.entries.length;
    const second = await store.begin(request('a-2'));
    expect(second).toMatchObject({ kind: 'rate_limited', by: 'client' });
    expect(sink.entries.length).toBe(before);
  });
});

describe('LocalMemoryStore: remove', () => {
  it('forgets everything: messages, the counter and the lease', async () => {
    await turn(1);
    await begin('held');
    await store.remove(SESSION);
    expect(await store.read(SESSION)).toEqual({ status: 'new', messages: [], summary: null, createdAt: null });
    expect(store.pttl(SESSION)).toBe(-2);
    expect(await store.leasesHeld([{ sessionId: SESSION, auditId: 'held' }])).toEqual(new Set());
    // Nothing is left to tell who the customer was: the turn must ask the durable record.
    expect(await begin('after')).toEqual({ kind: 'unseeded' });
  });

  it('leaves other sessions alone', async () => {
    await turn(1, { sessionId: 'keep-me' });
    await turn(2, { sessionId: 'remove-me' });
    await store.remove('remove-me');
    expect(await texts('keep-me')).toEqual(['question 1', 'answer 1']);
  });
});

describe('LocalMemoryStore: across a restart (data folder)', () => {
  it('a second store on the same folder sees the conversation, its counter, and continues the numbers', async () => {
    const dir = tempDir();
    store = makeStore(dir);
    await turn(1);
    await turn(2);
    await store.saveSummary(SESSION, 'The customer is Ada.');

    const restarted = makeStore(dir);
    const memory = await restarted.read(SESSION);
    expect(memory.status).toBe('ok');
    expect(memory.messages.map((m) => m.text)).toEqual(['question 1', 'answer 1', 'question 2', 'answer 2']);
    expect(memory.summary).toBe('The customer is Ada.');
    const begun = await begin(randomUUID(), { target: restarted });
    expect(begun).toMatchObject({ kind: 'begun', seq: 3, memory: { status: 'ok' } });
    expect(sink.entries.at(-1)).toMatchObject({ kind: 'pending', seq: 3 });
  });

  it("the files that hold customer text are the server user's alone (0600, folder 0700) and named by reference", async () => {
    // A folder the store creates itself (mkdtemp's own would be 0700 already).
    const dir = path.join(tempDir(), 'memory');
    store = makeStore(dir);
    await turn(1);
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of files) {
      expect(statSync(path.join(dir, file)).mode & 0o777).toBe(0o600);
      expect(file).not.toContain(SESSION);
      expect(readFileSync(path.join(dir, file), 'utf8')).not.toContain(SESSION);
    }
  });

  it('after a restart, a conversation whose messages expired is still expired, not new', async () => {
    const dir = tempDir();
    store = makeStore(dir);
    await turn(1);
    advance(TTL_SECONDS * 1000);
    const restarted = makeStore(dir);
    expect(await begin(randomUUID(), { target: restarted })).toMatchObject({ kind: 'begun', seq: 2, memory: { status: 'expired' } });
  });

  it('after a restart, a registered id stays known', async () => {
    const dir = tempDir();
    store = makeStore(dir);
    await store.register(SESSION);
    const restarted = makeStore(dir);
    expect(await begin(randomUUID(), { target: restarted })).toMatchObject({ kind: 'begun', seq: 1, memory: { status: 'new' } });
  });

  it('a removed conversation does not come back after a restart', async () => {
    const dir = tempDir();
    store = makeStore(dir);
    await turn(1);
    await store.remove(SESSION);
    const restarted = makeStore(dir);
    expect(await begin(randomUUID(), { target: restarted })).toEqual({ kind: 'unseeded' });
  });

  it('a process without a folder keeps nothing for the next one', async () => {
    await turn(1);
    expect(await makeStore().read(SESSION)).toMatchObject({ status: 'new', messages: [] });
  });

  it('sweeps the files of conversations whose messages and counter both expired', async () => {
    const dir = tempDir();
    store = makeStore(dir);
    await turn(1, { sessionId: 'old' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    advance(COUNTER_TTL_SECONDS * 1000 - 120_000);
    await turn(2, { sessionId: 'recent' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(2);
    advance(120_000);
    // Any begin sweeps (at most once a minute): 'old' is gone for good, 'recent' stays.
    await store.register('trigger');
    await begin(randomUUID(), { sessionId: 'trigger' });
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(2); // 'recent' and 'trigger'
    const restarted = makeStore(dir);
    expect(await begin(randomUUID(), { sessionId: 'old', target: restarted })).toEqual({ kind: 'unseeded' });
    // 'recent' lost its messages to their TTL but keeps its counter: still a known conversation.
    expect(await begin(randomUUID(), { sessionId: 'recent', target: restarted })).toMatchObject({
      kind: 'begun',
      seq: 2,
      memory: { status: 'expired' },
    });
  });
});
