import type { Redis } from '@upstash/redis';
import { LocalRateLimiter } from '@/lib/rate-limit/local';
import { SLIDING_WINDOW_SCRIPT, SLIDING_WINDOW_SHA } from '@/lib/rate-limit/script';
import { verdictOf, windowCall, type RateLimiter, type RateRule, type RateVerdict } from '@/lib/rate-limit/window';

/** The two calls the limiter needs from a Redis REST client (an `@upstash/redis` Redis). */
export type ScriptClient = Pick<Redis, 'eval' | 'evalsha'>;

const resultSchema = (value: unknown): [number, number, number] | null => {
  if (!Array.isArray(value) || value.length !== 3) return null;
  const numbers = value.map(Number);
  return numbers.every(Number.isFinite) ? (numbers as [number, number, number]) : null;
};

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.includes('NOSCRIPT');
}

/**
 * Shared by every instance through Redis: EVALSHA first (the script body travels once per Redis
 * restart), EVAL on NOSCRIPT. When Redis fails the check counts in-process instead, and says so in
 * the log at most once a minute. Every shared answer is mirrored into the in-process counters, so a
 * failure (a timeout under load, an outage) goes on from the last shared count, never from zero: a
 * slow Redis cannot hand a guesser a fresh budget.
 */
export class RedisRateLimiter implements RateLimiter {
  private lastWarning = 0;

  constructor(
    private readonly redis: ScriptClient,
    private readonly keyPrefix: string,
    private readonly fallback: LocalRateLimiter = new LocalRateLimiter(),
    private readonly now: () => number = () => Date.now(),
  ) {}

  async limit(rule: RateRule, key: string, cost = 1): Promise<RateVerdict> {
    const call = windowCall(this.keyPrefix, rule, key, this.now(), cost);
    try {
      const raw = await this.run(call.keys, call.args);
      const result = resultSchema(raw);
      if (!result) throw new Error(`unexpected rate limit script result: ${JSON.stringify(raw)}`);
      const [allowed, previous, current] = result;
      this.fallback.observe(rule, key, previous, current);
      return verdictOf(allowed === 1, previous, current, call);
    } catch (error) {
      if (this.now() - this.lastWarning > 60_000) {
        this.lastWarning = this.now();
        console.warn('[tether] rate limit: Redis unavailable, counting in-process:', error instanceof Error ? error.message : error);
      }
      return this.fallback.limit(rule, key, cost);
    }
  }

  private async run(keys: string[], args: number[]): Promise<unknown> {
    const argv = args.map(String);
    try {
      return await this.redis.evalsha(SLIDING_WINDOW_SHA, keys, argv);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return this.redis.eval(SLIDING_WINDOW_SCRIPT, keys, argv);
    }
  }
}
