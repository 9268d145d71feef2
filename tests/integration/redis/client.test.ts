import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from '@upstash/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classifyMemoryError } from '@/lib/conversation/errors';
import { isNoScript } from '@/lib/redis/eval';
import { createRestClient } from '@/lib/redis/client';
import { connectRedis, deleteKeys, type RedisClient } from '../../support/redis';
import { TEST_REDIS_URL } from '../../support/services';
import { startUpstashBridge, type UpstashBridge } from '../../support/upstash-bridge';

/**
 * createRestClient keeps @upstash/redis as its API but sends requests over node:http with a
 * keep-alive agent instead of the global fetch. Whatever the app can notice must be what
 * @upstash/redis's own HttpClient gives with the same settings: results, errors, timeout, retries.
 */
let bridge: UpstashBridge;
let redis: RedisClient;
const prefix = `test:client:${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  bridge = await startUpstashBridge({ token: randomBytes(8).toString('hex'), redisUrl: TEST_REDIS_URL });
  redis = await connectRedis();
});
afterEach(() => bridge.setFault(null));
afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
  await bridge.close();
});

interface Target {
  url: string;
  token: string;
}

/** The client as it was built before: @upstash/redis's HttpClient over the global fetch. */
function reference(target: Target, timeoutMs = 2000, retries = 0): Redis {
  return new Redis({
    url: target.url,
    token: target.token,
    enableTelemetry: false,
    automaticDeserialization: false,
    enableAutoPipelining: false,
    responseEncoding: false,
    retry: { retries },
    signal: () => AbortSignal.timeout(timeoutMs),
  });
}

function ours(target: Target, timeoutMs = 2000, retries = 0): Redis {
  return createRestClient({ url: target.url, token: target.token, timeoutMs, retries });
}

async function outcome(run: () => Promise<unknown>): Promise<{ value?: unknown; name?: string; message?: string }> {
  try {
    return { value: await run() };
  } catch (error) {
    const { name, message } = error as Error;
    return { name, message };
  }
}

/** A TCP front that counts connections, and either forwards them to `port` or drops them at once. */
async function countingFront(
  port: number | null,
): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    connections += 1;
    sockets.add(client);
    if (port === null) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port });
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('createRestClient', () => {
  it('answers every call the app makes exactly as @upstash/redis over fetch does, one request per call', async () => {
    const key = `${prefix}:k`;
    const json = JSON.stringify({ text: 'héllo 👋', n: 1 });
    const script = 'return {KEYS[1], ARGV[1], redis.call("GET", KEYS[1])}';
    const calls: Array<[string, (client: Redis) => Promise<unknown>]> = [
      ['set', (c) => c.set(key, json)],
      // Raw text back, not parsed JSON: the caller validates it.
      ['get', (c) => c.get(key)],
      ['eval', (c) => c.eval(script, [key], ['a b'])],
      ['multi', (c) => c.multi().set(`${key}:m`, '1').get(`${key}:m`).exec()],
      ['expire', (c) => c.expire(key, 60)],
      // Each client deletes a key that exists, so both answer 1.
      ['del', (c) => c.del(`${key}:d`)],
    ];
    for (const [name, call] of calls) {
      if (name === 'del') await ours(bridge).set(`${key}:d`, 'x');
      const expected = await outcome(() => call(reference(bridge)));
      if (name === 'del') await ours(bridge).set(`${key}:d`, 'x');
      bridge.resetRoundTrips();
      const actual = await outcome(() => call(ours(bridge)));
      expect(bridge.roundTrips, name).toBe(1);
      expect(actual, name).toEqual(expected);
    }
    expect(await ours(bridge).get(key)).toBe(json);
  });

  it('fails like @upstash/redis: Redis errors (NOSCRIPT), HTTP errors, bodies that are not JSON', async () => {
    const missing = await outcome(() => ours(bridge).evalsha('0'.repeat(40), [], []));
    expect(missing).toEqual(await outcome(() => reference(bridge).evalsha('0'.repeat(40), [], [])));
    expect(missing.name).toBe('UpstashError');
    expect(isNoScript(missing)).toBe(true);
    for (const fault of ['error', 'garbage'] as const) {
      bridge.setFault(fault);
      const actual = await outcome(() => ours(bridge).get(`${prefix}:x`));
      expect(actual, fault).toEqual(await outcome(() => reference(bridge).get(`${prefix}:x`)));
      expect(actual.name, fault).toBe(fault === 'error' ? 'UpstashError' : 'UpstashJSONParseError');
    }
    const badToken = await outcome(() => ours({ url: bridge.url, token: 'wrong' }).get(`${prefix}:x`));
    expect(badToken).toEqual(await outcome(() => reference({ url: bridge.url, token: 'wrong' }).get(`${prefix}:x`)));
  });

  it('gives up after timeoutMs with a TimeoutError when Redis does not answer', async () => {
    bridge.setFault('hang');
    const started = performance.now();
    const actual = await outcome(() => ours(bridge, 300).get(`${prefix}:x`));
    const elapsed = performance.now() - started;
    expect(actual.name).toBe('TimeoutError');
    expect(classifyMemoryError(actual)).toBe('timeout');
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
    expect(actual).toEqual(await outcome(() => reference(bridge, 300).get(`${prefix}:x`)));
  });

  it('one deadline covers the retries too: a call that keeps failing ends at its timeout, as a timeout', async () => {
    const front = await countingFront(null);
    try {
      // Backoffs of 50, 136, 369… ms: the third attempt would start after the 150 ms deadline.
      const started = performance.now();
      const actual = await outcome(() => ours({ url: front.url, token: bridge.token }, 150, 5).get('k'));
      expect(performance.now() - started).toBeLessThan(1000);
      expect(actual.name).toBe('TimeoutError');
      expect(front.connections()).toBe(2);
      const viaFetch = await outcome(() => reference({ url: front.url, token: bridge.token }, 150, 5).get('k'));
      expect(viaFetch).toEqual(actual);
    } finally {
      await front.close();
    }
  });

  it('retries connection failures as many times as configured, and they classify as connection errors', async () => {
    const front = await countingFront(null);
    try {
      for (const retries of [0, 2]) {
        const before = front.connections();
        const actual = await outcome(() => ours({ url: front.url, token: bridge.token }, 5000, retries).get('k'));
        expect(front.connections() - before, `retries ${retries}`).toBe(retries + 1);
        const viaFetch = await outcome(() =>
          reference({ url: front.url, token: bridge.token }, 5000, retries).get('k'),
        );
        expect(classifyMemoryError(actual)).toBe('connection');
        expect(classifyMemoryError(viaFetch)).toBe('connection');
      }
    } finally {
      await front.close();
    }
  });

  it('reaches a server given by an IPv6 literal', async () => {
    const server = net.createServer();
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(0, '::1', () => resolve(true));
    });
    if (!listening) return; // no IPv6 loopback on this machine
    const port = (server.address() as net.AddressInfo).port;
    server.on('connection', (client) =>
      client.pipe(net.connect({ host: '127.0.0.1', port: bridge.port })).pipe(client),
    );
    try {
      expect(await ours({ url: `http://[::1]:${port}`, token: bridge.token }).echo('v6')).toBe('v6');
    } finally {
      server.close();
    }
  });

  it('keeps one connection alive across sequential requests', async () => {
    const front = await countingFront(bridge.port);
    try {
      const client = ours({ url: front.url, token: bridge.token });
      for (let i = 0; i < 30; i++) expect(await client.echo(`n${i}`)).toBe(`n${i}`);
      expect(front.connections()).toBe(1);
    } finally {
      await front.close();
    }
  });
});
