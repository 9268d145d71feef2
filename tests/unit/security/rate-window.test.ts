import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalRateLimiter } from '@/lib/rate-limit/local';
import { RedisRateLimiter, type ScriptClient } from '@/lib/rate-limit/redis';
import { SLIDING_WINDOW_SCRIPT, SLIDING_WINDOW_SHA } from '@/lib/redis/scripts/sliding-window';
import { estimate, fits, limitAll, retryAfterMs, windowCall } from '@/lib/rate-limit/window';
import { chatChecks, sessionCreateChecks } from '@/lib/rate-limit/rules';

const rule = { name: 'r', limit: 5, windowSeconds: 60 };

describe('sliding window', () => {
  it('keys both windows under one hash tag, and passes limit, window, elapsed, cost', () => {
    const call = windowCall('tether', rule, 'ip1', 60_000 * 10 + 1_500);
    expect(call.keys).toEqual(['tether:v1:rl:{r:ip1}:10', 'tether:v1:rl:{r:ip1}:9']);
    expect(call.args).toEqual([5, 60_000, 1_500, 1]);
  });

  it('Retry-After is never too short: after waiting it, one request fits (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 600 }),
        fc.nat(100),
        fc.nat(100),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (limit, windowSeconds, previous, current, fraction) => {
          const windowMs = windowSeconds * 1000;
          const elapsed = Math.floor(windowMs * fraction);
          const now = windowMs * 100 + elapsed;
          const call = windowCall('p', { name: 'x', limit, windowSeconds }, 'k', now);
          fc.pre(!fits(previous, current, call));
          const later = now + retryAfterMs(previous, current, call);
          const next = windowCall('p', { name: 'x', limit, windowSeconds }, 'k', later);
          const crossed = Math.floor(later / windowMs) - Math.floor(now / windowMs);
          const [prev, curr] = crossed === 0 ? [previous, current] : crossed === 1 ? [current, 0] : [0, 0];
          expect(fits(prev, curr, next)).toBe(true);
        },
      ),
    );
  });

  it('in-process: refused requests are not counted, so the budget comes back as the window slides', async () => {
    let now = 1_000_000 * 60_000;
    const limiter = new LocalRateLimiter(() => now);
    const verdicts = [];
    for (let i = 0; i < 8; i++) verdicts.push((await limiter.limit(rule, 'k')).success);
    expect(verdicts).toEqual([true, true, true, true, true, false, false, false]);
    const refused = await limiter.limit(rule, 'k');
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect((await limiter.limit(rule, 'other')).success).toBe(true);
    // Asking (cost 0) does not spend.
    expect((await limiter.limit(rule, 'ask', 0)).success).toBe(true);
    now += refused.retryAfterSeconds * 1000;
    expect((await limiter.limit(rule, 'k')).success).toBe(true);
    expect(estimate(10, 0, 60_000, 30_000)).toBe(5);
  });

  it('Redis: EVALSHA first, EVAL with the script on NOSCRIPT, in-process while Redis fails', async () => {
    const calls: string[] = [];
    let cached = false;
    let down = false;
    const fake: ScriptClient = {
      evalsha: (async (sha: string) => {
        calls.push(`evalsha ${sha === SLIDING_WINDOW_SHA}`);
        if (down) throw new Error('fetch failed');
        if (!cached) throw new Error('NOSCRIPT No matching script. Please use EVAL.');
        return [1, 0, 1];
      }) as ScriptClient['evalsha'],
      eval: (async (script: string) => {
        calls.push(`eval ${script === SLIDING_WINDOW_SCRIPT}`);
        cached = true;
        return [1, 0, 1];
      }) as ScriptClient['eval'],
    };
    const limiter = new RedisRateLimiter(fake, 'p');
    expect((await limiter.limit(rule, 'k')).success).toBe(true);
    expect((await limiter.limit(rule, 'k')).success).toBe(true);
    expect(calls).toEqual(['evalsha true', 'eval true', 'evalsha true']);
    down = true;
    const warn = console.warn;
    console.warn = () => {};
    try {
      const verdicts = [];
      for (let i = 0; i < 6; i++) verdicts.push((await limiter.limit(rule, 'outage')).success);
      expect(verdicts).toEqual([true, true, true, true, true, false]);
    } finally {
      console.warn = warn;
    }
  });

  it('a Redis failure after shared answers goes on from the shared count, not from zero', async () => {
    const rule5 = { name: 'sign-in', limit: 5, windowSeconds: 60 };
    let shared = 0;
    let down = false;
    const fake: ScriptClient = {
      evalsha: (async () => {
        if (down) throw new Error('The operation was aborted due to timeout');
        if (shared + 1 > rule5.limit) return [0, 0, shared];
        shared += 1;
        return [1, 0, shared];
      }) as ScriptClient['evalsha'],
      eval: (async () => {
        throw new Error('not used');
      }) as ScriptClient['eval'],
    };
    const now = 60_000 * 1000;
    const limiter = new RedisRateLimiter(fake, 'p', new LocalRateLimiter(() => now), () => now);
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push((await limiter.limit(rule5, 'guesser')).success);
    expect(verdicts).toEqual([true, true, true, true, true]);
    down = true;
    const warn = console.warn;
    console.warn = () => {};
    try {
      // Redis times out under load: the in-process count already holds the 5 shared hits.
      expect((await limiter.limit(rule5, 'guesser')).success).toBe(false);
    } finally {
      console.warn = warn;
    }
  });

  it('the script has no shebang flags (Redis 7.0 rejects allow-key-locking)', () => {
    expect(SLIDING_WINDOW_SCRIPT.startsWith('#!')).toBe(false);
    expect(SLIDING_WINDOW_SCRIPT).toMatch(/local current_key = KEYS\[1\]/);
  });

  it('rules: per address for sessions and chat, a global model budget, 0 = off', async () => {
    const limits = { sessionCreatePerIp: 60, chatPerIp: 120, modelCallsGlobal: 0 };
    expect(sessionCreateChecks(limits, 'ip')).toEqual([[{ name: 'session-ip', limit: 60, windowSeconds: 60 }, 'ip']]);
    const checks = chatChecks(limits, 'ip');
    expect(checks.map(([r, k]) => [r.name, r.limit, k])).toEqual([
      ['chat-ip', 120, 'ip'],
      ['model-calls', 0, 'all'],
    ]);
    const limiter = new LocalRateLimiter();
    for (let i = 0; i < 1000; i++) await limitAll(limiter, [[{ name: 'off', limit: 0, windowSeconds: 60 }, 'k']]);
    expect((await limitAll(limiter, [[{ name: 'off', limit: 0, windowSeconds: 60 }, 'k']])).success).toBe(true);
  });
});
