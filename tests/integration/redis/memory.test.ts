import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { legacySessionKeys, sessionKeys } from '@/lib/redis/keys';
import { sessionRef } from '@/lib/session-ref';
import { connectRedis, deleteKeys, type RedisClient } from '../../support/redis';
import { createTestStack, readEvents, type TestStack } from '../../support/stack';

/** Memory behaviour that only the Redis store has: round trips, key TTLs, outages, foreign records. */
let redis: RedisClient;
let stack: TestStack | undefined;

beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(async () => {
  await redis.quit();
});
afterEach(async () => {
  if (stack) {
    await deleteKeys(redis, stack.runtime.config.memory.keyPrefix);
    await stack.close();
  }
  stack = undefined;
});

function keysOf(s: TestStack, sessionId: string) {
  return sessionKeys(s.runtime.config.memory.keyPrefix, sessionId);
}

// The per-address abuse limits are still their own Redis call before the turn (until the turn's
// script counts them, docs/security.md); they have their own tests. Off here, so these tests see
// the memory's own round trips, keys and timings.
const MEMORY_ONLY = { SESSION_CREATE_PER_IP_PER_MINUTE: '0', CHAT_PER_IP_PER_MINUTE: '0' };

async function open(env: Record<string, string> = {}): Promise<TestStack> {
  stack = await createTestStack({ ...MEMORY_ONLY, ...env }, 'services');
  return stack;
}

describe('session memory in Redis', () => {
  it('a conversation begun before the upgrade (v2 keys named by the id) continues: its memory is adopted, TTL kept', async () => {
    const s = await open();
    const sessionId = await s.newSession();
    await s.send(sessionId, 'My parcel 4711 is late.');
    const prefix = s.runtime.config.memory.keyPrefix;
    const current = keysOf(s, sessionId);
    const legacy = legacySessionKeys(prefix, sessionId);
    // What the previous release left: the same keys under the id.
    for (const name of ['meta', 'messages', 'counter'] as const) await redis.rename(current[name], legacy[name]);
    const ttlBefore = await redis.ttl(legacy.meta);
    expect(ttlBefore).toBeGreaterThan(0);

    const next = await s.send(sessionId, 'Any news?');
    expect(next.status).toBe(200);
    expect(next.meta?.memory).toBe('ok');
    expect((await s.runtime.memory.read(sessionId)).messages.map((m) => m.text)).toEqual([
      'My parcel 4711 is late.',
      expect.any(String),
      'Any news?',
      next.reply,
    ]);
    expect(await redis.exists(legacy.meta)).toBe(0);
    const rows = await s.query<{ seq: number }>('select seq from turns where session_id = $1 order by seq', [sessionRef(sessionId)]);
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
  });

  it('stores under a namespaced, versioned key per session, named by its reference (no key names the id)', async () => {
    const s = await open();
    const sessionId = await s.newSession();
    await s.send(sessionId, 'hello');
    const prefix = s.runtime.config.memory.keyPrefix;
    const keys = (await redis.keys(`${prefix}:*`)).sort();
    const ref = sessionRef(sessionId);
    // The audit stream is drained (and its entries deleted) by settle(); the lock is the drainer's.
    expect(keys.filter((key) => !key.includes(':v2:audit'))).toEqual(
      [`${prefix}:v3:s:{${ref}}`, `${prefix}:v3:s:{${ref}}:m`, `${prefix}:v3:s:{${ref}}:n`].sort(),
    );
    expect(keys.some((key) => key.includes(sessionId))).toBe(false);
    const meta = await redis.hGetAll(keysOf(s, sessionId).meta);
    expect(meta).toMatchObject({ v: '2' });
    expect(await redis.hGetAll(keysOf(s, sessionId).counter)).toEqual({ seq: '1', kept: '1' });
    expect(Date.parse(meta.createdAt!)).not.toBeNaN();
    expect(Date.parse(meta.lastActivityAt!)).not.toBeNaN();
  });

  it('a turn costs exactly two round trips: begin (with the rate limit and its pending audit entry), one atomic commit', async () => {
    const s = await open({ CHAT_RATE_LIMIT_PER_MINUTE: '20' });
    const sessionId = await s.newSession();
    await s.send(sessionId, 'warm up (scripts get cached on first use)');
    for (const text of ['second', 'third']) {
      s.bridge!.resetRoundTrips();
      s.bridge!.clearCommands();
      // Measured up to the reply: the audit drain that follows is the drainer's, not the turn's.
      const events = await readEvents(await s.post({ sessionId, text }));
      expect(events.at(-1)?.event).toBe('done');
      expect(s.bridge!.roundTrips).toBe(2);
      // By SHA once cached: the script text is not sent on every turn.
      expect(s.bridge!.commands.map((c) => c[0]!.toLowerCase())).toEqual(['evalsha', 'evalsha']);
      await s.settle();
    }
  });

  it('sets the TTL on every turn and renews it (sliding)', async () => {
    const s = await open({ MEMORY_TTL_SECONDS: '60' });
    const sessionId = await s.newSession();
    await s.send(sessionId, 'one');
    const { meta, messages } = keysOf(s, sessionId);
    const first = await redis.pTTL(meta);
    expect(first).toBeGreaterThan(58_000);
    expect(first).toBeLessThanOrEqual(60_000);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const aged = await redis.pTTL(meta);
    expect(aged).toBeLessThan(first - 1000);
    await s.send(sessionId, 'two');
    const renewed = await redis.pTTL(meta);
    expect(renewed).toBeGreaterThan(aged + 1000);
    expect(Math.abs((await redis.pTTL(messages)) - renewed)).toBeLessThan(200);
  });

  it('a memory key that expired is gone and the session reports "expired"', async () => {
    const s = await open({ MEMORY_TTL_SECONDS: '1' });
    const sessionId = await s.newSession();
    await s.send(sessionId, 'short-lived');
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(await redis.exists(keysOf(s, sessionId).meta)).toBe(0);
    expect(await redis.exists(keysOf(s, sessionId).messages)).toBe(0);
    expect((await s.runtime.memory.read(sessionId)).status).toBe('expired');
  });

  describe('when Redis is unavailable the chat degrades cleanly', () => {
    async function expectDegradedTurn(s: TestStack, sessionId: string, errorClass: string) {
      s.model.reset();
      const started = Date.now();
      const response = await s.post({ sessionId, text: 'Are you still there?' });
      const events = await readEvents(response);
      // What the customer waits for; audit writes and outbox checks happen after the reply.
      const elapsed = Date.now() - started;
      await s.settle();
      expect(response.status).toBe(200);
      expect(events.map((e) => e.event)).not.toContain('error');
      const meta = events.find((e) => e.event === 'meta')?.data as { memory: string; notice: string; auditId: string };
      expect(meta.memory).toBe('unavailable');
      expect(meta.notice).toMatch(/could not load your earlier messages/);
      // Built from the current message only: nothing pretends to remember.
      expect(s.model.lastRequest()!.messages.filter((m) => m.role !== 'system')).toEqual([
        { role: 'user', content: 'Are you still there?' },
      ]);
      const [row] = await s.query<{ memory_status: string; error_class: string; status: string }>(
        'select memory_status, error_class, status from turns where audit_id = $1',
        [meta.auditId],
      );
      expect(row).toMatchObject({ memory_status: 'unavailable', status: 'ok' });
      expect(row!.error_class).toContain(errorClass);
      return elapsed;
    }

    it('Redis down: reply from the current message, notice, audit says so, nothing half-written; back to normal after', async () => {
      const s = await open();
      const sessionId = await s.newSession();
      await s.send(sessionId, 'My name is Ada');
      await s.bridge!.stop();
      await expectDegradedTurn(s, sessionId, 'memory_load:connection');
      await s.bridge!.start();
      // Nothing from the outage was written: the record is exactly as before it.
      const { messages, counter, lease } = keysOf(s, sessionId);
      expect(await redis.lLen(messages)).toBe(2);
      expect(await redis.hGet(counter, 'seq')).toBe('1');
      expect(await redis.exists(lease)).toBe(0);
      s.model.reset();
      const next = await s.send(sessionId, 'What is my name?');
      expect(next.meta).toMatchObject({ memory: 'ok', notice: null });
      expect(s.model.lastRequest()!.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
        'My name is Ada',
        'What is my name?',
      ]);
    });

    it('Redis hanging: gives up after the short timeout', async () => {
      const s = await open({ REDIS_TIMEOUT_MS: '300' });
      const sessionId = await s.newSession();
      s.bridge!.setFault('hang');
      const elapsed = await expectDegradedTurn(s, sessionId, 'memory_load:timeout');
      // One timed-out load and one timed-out append, not a wait for the model's timeout.
      expect(elapsed).toBeLessThan(1500);
      s.bridge!.setFault(null);
      expect((await s.send(sessionId, 'again')).meta?.memory).toBe('new');
    });

    it('a blip during the load costs no history: the exchange is appended once Redis answers again', async () => {
      const s = await open({ REDIS_TIMEOUT_MS: '300' });
      const sessionId = await s.newSession();
      await s.send(sessionId, 'My name is Ada');
      s.bridge!.setFault('hang');
      // Redis recovers while the model is still thinking.
      s.model.setBehaviour({ firstTokenDelayMs: 400 });
      setTimeout(() => s.bridge!.setFault(null), 350);
      const degraded = await s.send(sessionId, 'Still there?');
      expect(degraded.meta?.memory).toBe('unavailable');
      const memory = await s.runtime.memory.read(sessionId);
      expect(memory.messages.filter((m) => m.role === 'user').map((m) => m.text)).toEqual(['My name is Ada', 'Still there?']);
    });

    it('Redis answering garbage: treated as unavailable', async () => {
      const s = await open();
      const sessionId = await s.newSession();
      s.bridge!.setFault('garbage');
      await expectDegradedTurn(s, sessionId, 'memory_load:bad_response');
      s.bridge!.setFault(null);
    });

    it('a corrupt or foreign record is treated as unavailable, then overwritten cleanly by the next write', async () => {
      const s = await open();
      const sessionId = await s.newSession();
      await s.send(sessionId, 'before corruption');
      const { meta, messages } = keysOf(s, sessionId);
      await redis.rPush(messages, '{not json');
      await expectDegradedTurn(s, sessionId, 'memory_load:corrupt_record');
      // The degraded turn's own exchange replaced the broken record.
      expect(await redis.lLen(messages)).toBe(2);
      const stored = (await redis.lRange(messages, 0, -1)).map((item) => JSON.parse(item) as { text: string });
      expect(stored[0]!.text).toBe('Are you still there?');
      expect(await redis.hGet(meta, 'v')).toBe('2');
      expect((await s.send(sessionId, 'and now?')).meta?.memory).toBe('ok');

      // A record of another layout version is foreign, too.
      await redis.hSet(meta, 'v', '99');
      await expectDegradedTurn(s, sessionId, 'memory_load:corrupt_record');
      expect(await redis.hGet(meta, 'v')).toBe('2');
    });
  });
});
