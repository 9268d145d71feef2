import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '@/lib/observability/log';
import { RedisRateLimiter } from '@/lib/rate-limit/redis';
import { createRestClient } from '@/lib/redis/client';
import { connectRedis, deleteKeys, type RedisClient } from '../../support/redis';
import { TEST_REDIS_URL } from '../../support/services';
import { startUpstashBridge, type UpstashBridge } from '../../support/upstash-bridge';

/** The one limiter on a plain Redis 7.0 behind the Upstash REST bridge (what @upstash/ratelimit could not run on). */
let bridge: UpstashBridge;
let redis: RedisClient;
const prefix = `test:rl:${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  bridge = await startUpstashBridge({ token: randomBytes(8).toString('hex'), redisUrl: TEST_REDIS_URL });
  redis = await connectRedis();
});
afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
  await bridge.close();
});

const client = () => createRestClient({ url: bridge.url, token: bridge.token, timeoutMs: 1000, retries: 0 });

describe('rate limiter on Redis', () => {
  const rule = { name: 'shared', limit: 3, windowSeconds: 60 };

  it('shares one budget between instances, by EVALSHA, with keys that expire', async () => {
    const a = new RedisRateLimiter(client(), prefix);
    const b = new RedisRateLimiter(client(), prefix);
    bridge.clearCommands();
    const verdicts = [];
    for (const limiter of [a, b, a, b]) verdicts.push(await limiter.limit(rule, 'ip'));
    expect(verdicts.map((v) => v.success)).toEqual([true, true, true, false]);
    expect(verdicts[3]?.retryAfterSeconds).toBeGreaterThan(0);
    expect(verdicts[3]?.retryAfterSeconds).toBeLessThanOrEqual(121);
    const names = bridge.commands.map((command) => String(command[0]).toLowerCase());
    expect(names.filter((name) => name === 'evalsha')).toHaveLength(4);
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys).toHaveLength(1);
    const ttl = await redis.pTTL(keys[0]!);
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(121_000);
  });

  it('counts in-process while Redis fails, so an outage never lifts a limit', async () => {
    const warnings: string[] = [];
    setLogSink((line) => {
      if (JSON.parse(line).level === 'warn') warnings.push(line);
    });
    try {
      bridge.setFault('error');
      const outage = new RedisRateLimiter(client(), prefix);
      const during = [];
      for (let i = 0; i < 4; i++) during.push((await outage.limit(rule, 'during-outage')).success);
      expect(during).toEqual([true, true, true, false]);
      expect(warnings).toHaveLength(1);
    } finally {
      bridge.setFault(null);
      setLogSink(null);
    }
  });
});
