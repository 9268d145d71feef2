/**
 * The bridge stands in for Upstash, so it is checked with the real `@upstash/redis` client against the
 * real redis-server at 127.0.0.1:6379. Each test works under its own random key prefix and deletes
 * what it created.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisConfigNodejs } from '@upstash/redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startUpstashBridge, type UpstashBridge } from '../../support/upstash-bridge';

const TOKEN = 'bridge-test-token';

let bridge: UpstashBridge;
let redis: Redis;
let prefix: string;
const usedKeys = new Set<string>();

/** A key under this test's prefix, remembered for cleanup. */
function key(name: string): string {
  const full = `${prefix}${name}`;
  usedKeys.add(full);
  return full;
}

function client(overrides: Partial<RedisConfigNodejs> = {}): Redis {
  return new Redis({ url: bridge.url, token: TOKEN, enableTelemetry: false, ...overrides });
}

beforeAll(async () => {
  bridge = await startUpstashBridge({ token: TOKEN });
  redis = client();
});
afterAll(async () => {
  await bridge.close();
});
beforeEach(() => {
  prefix = `test:${randomUUID()}:`;
  usedKeys.clear();
});
afterEach(async () => {
  // A test may leave the bridge stopped or faulty; cleanup needs it healthy.
  bridge.setFault(null);
  await bridge.start();
  if (usedKeys.size > 0) await redis.del(...usedKeys);
  bridge.resetRoundTrips();
  bridge.clearCommands();
});

describe('upstash bridge', () => {
  it('sets and gets a string', async () => {
    expect(await redis.set(key('greeting'), 'hello', { ex: 60 })).toBe('OK');
    expect(await redis.get(key('greeting'))).toBe('hello');
    expect(await redis.get(key('missing'))).toBeNull();
    expect(bridge.commands).toContainEqual(['set', key('greeting'), 'hello', 'ex', '60']);
  });

  it('round-trips a JSON object with automatic deserialization', async () => {
    const value = { sessionId: 's1', turns: [{ role: 'user', text: 'héllo 👋' }], count: 2 };
    await redis.set(key('json'), value);
    expect(await redis.get(key('json'))).toEqual(value);
  });

  it('returns the raw stored string when automaticDeserialization is off', async () => {
    await redis.set(key('json'), { a: 1 });
    const raw = client({ automaticDeserialization: false });
    expect(await raw.get(key('json'))).toBe('{"a":1}');
  });

  it('answers plain strings when base64 response encoding is off', async () => {
    const plain = client({ responseEncoding: false });
    expect(await plain.set(key('plain'), 'text')).toBe('OK');
    expect(await plain.get(key('plain'))).toBe('text');
    expect(await plain.lrange(key('none'), 0, -1)).toEqual([]);
  });

  it('sends a pipeline of several commands in one round trip', async () => {
    bridge.resetRoundTrips();
    const results = await redis
      .pipeline()
      .set(key('p'), 'v')
      .incr(key('counter'))
      .incr(key('counter'))
      .get(key('p'))
      .exec();

    expect(results).toEqual(['OK', 1, 2, 'v']);
    expect(bridge.roundTrips).toBe(1);
  });

  it('counts one round trip per request', async () => {
    bridge.resetRoundTrips();
    await redis.set(key('a'), '1');
    await redis.get(key('a'));
    await redis.lrange(key('list'), 0, -1);
    expect(bridge.roundTrips).toBe(3);
  });

  it('runs a multi() transaction', async () => {
    const results = await redis.multi().set(key('t'), 'v').incr(key('n')).get(key('t')).exec();
    expect(results).toEqual(['OK', 1, 'v']);
    expect(bridge.roundTrips).toBe(1);
  });

  it('applies nothing when a transaction is discarded', async () => {
    await redis.set(key('t'), 'before');
    // HSET with no field/value pairs is rejected while queueing, so Redis discards the whole transaction.
    const failure = redis.multi().set(key('t'), 'after').hset(key('h'), {}).exec();

    await expect(failure).rejects.toThrow(/EXECABORT/);
    expect(await redis.get(key('t'))).toBe('before');
  });

  it('reports a runtime error inside a transaction for that command only', async () => {
    await redis.set(key('s'), 'not a number');
    const results = await redis
      .multi()
      .incr(key('s'))
      .set(key('t'), 'v')
      .exec({ keepErrors: true });

    expect(results[0]?.error).toMatch(/not an integer/);
    expect(results[1]).toEqual({ error: undefined, result: 'OK' });
  });

  it('evaluates a Lua script that returns a table', async () => {
    const script = "redis.call('SET', KEYS[1], ARGV[1]); return {KEYS[1], redis.call('GET', KEYS[1]), 42, false}";
    const result = await redis.eval<string[], unknown[]>(script, [key('lua')], ['stored']);
    // A Lua `false` becomes a nil reply, and a nil is null.
    expect(result).toEqual([key('lua'), 'stored', 42, null]);
  });

  it('falls back from EVALSHA to EVAL on NOSCRIPT', async () => {
    const script = redis.createScript<string>(`return 'fresh ' .. ARGV[1] .. ' ${randomUUID()}'`);
    const result = await script.exec([], ['script']);

    expect(result).toMatch(/^fresh script /);
    expect(bridge.commands.map((command) => command[0])).toEqual(['evalsha', 'eval']);
  });

  it('handles incr, expire with ttl and pttl, lrange and hgetall', async () => {
    expect(await redis.incr(key('n'))).toBe(1);
    expect(await redis.incrby(key('n'), 4)).toBe(5);

    await redis.set(key('e'), 'x');
    expect(await redis.expire(key('e'), 100)).toBe(1);
    const ttl = await redis.ttl(key('e'));
    expect(ttl).toBeGreaterThan(90);
    expect(ttl).toBeLessThanOrEqual(100);
    expect(await redis.pttl(key('e'))).toBeGreaterThan(90_000);
    expect(await redis.ttl(key('no-expiry-missing'))).toBe(-2);

    await redis.rpush(key('l'), 'one', 'two', 'three');
    expect(await redis.lrange(key('l'), 0, -1)).toEqual(['one', 'two', 'three']);

    await redis.hset(key('h'), { name: 'Ada', visits: 3 });
    expect(await redis.hgetall(key('h'))).toEqual({ name: 'Ada', visits: 3 });
    expect(await redis.hgetall(key('h-missing'))).toBeNull();
  });

  it('surfaces a command error', async () => {
    await redis.set(key('s'), 'text');
    await expect(redis.incr(key('s'))).rejects.toThrow(/not an integer/);
    await expect(client({ enableAutoPipelining: false }).incr(key('s'))).rejects.toThrow(/not an integer/);
  });

  it('rejects a wrong token', async () => {
    const intruder = new Redis({ url: bridge.url, token: 'wrong', enableTelemetry: false });
    await expect(intruder.get(key('x'))).rejects.toThrow(/Unauthorized/);
  });

  it('fails while stopped and works again on the same URL after start()', async () => {
    const noRetry = client({ retry: { retries: 0 } });
    await noRetry.set(key('k'), 'v');

    await bridge.stop();
    await expect(noRetry.get(key('k'))).rejects.toThrow(/fetch failed/);

    await bridge.start();
    expect(await noRetry.get(key('k'))).toBe('v');
  });

  it('hangs on the hang fault until the client gives up', async () => {
    bridge.setFault('hang');
    const impatient = client({ retry: { retries: 0 }, signal: () => AbortSignal.timeout(300) });
    const started = Date.now();

    await expect(impatient.get(key('k'))).rejects.toMatchObject({ name: 'TimeoutError' });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1000);
  });

  it('makes the client throw on the garbage fault', async () => {
    bridge.setFault('garbage');
    await expect(redis.get(key('k'))).rejects.toThrow(/Unable to parse response body/);
  });

  it('answers 500 on the error fault', async () => {
    bridge.setFault('error');
    await expect(redis.get(key('k'))).rejects.toThrow(/ERR bridge fault/);
  });

  it('echoes the upstash-sync-token header and answers a health check', async () => {
    const response = await fetch(bridge.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'upstash-sync-token': 'sync-1', 'upstash-encoding': 'base64' },
      body: JSON.stringify(['echo', 'hi']),
    });
    expect(response.headers.get('upstash-sync-token')).toBe('sync-1');
    expect(await response.json()).toEqual({ result: Buffer.from('hi').toString('base64') });

    const health = await fetch(bridge.url);
    expect(await health.json()).toEqual({ result: 'PONG' });
  });
});
