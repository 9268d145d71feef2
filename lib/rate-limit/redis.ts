import { errorFields, log } from '@/lib/observability/log';
import { LocalRateLimiter } from '@/lib/rate-limit/local';
import { verdictOf, windowCall, type RateLimiter, type RateRule, type RateVerdict } from '@/lib/rate-limit/window';
import { runScript, type ScriptClient } from '@/lib/redis/eval';
import { SLIDING_WINDOW } from '@/lib/redis/scripts/sliding-window';

export type { ScriptClient } from '@/lib/redis/eval';

const resultSchema = (value: unknown): [number, number, number] | null => {
  if (!Array.isArray(value) || value.length !== 3) return null;
  const numbers = value.map(Number);
  return numbers.every(Number.isFinite) ? (numbers as [number, number, number]) : null;
};

/**
 * Shared by every instance through Redis: one script through the one eval helper (EVALSHA, EVAL
 * once on NOSCRIPT). When Redis fails the check counts in-process instead, and says so in
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
      const [currentKey, previousKey] = call.keys;
      const [limit, windowMs, elapsedMs, cost] = call.args;
      const raw = await runScript(this.redis, SLIDING_WINDOW, {
        current_key: currentKey,
        previous_key: previousKey,
        limit,
        window_ms: windowMs,
        elapsed_ms: elapsedMs,
        cost,
      });
      const result = resultSchema(raw);
      if (!result) throw new Error(`unexpected rate limit script result: ${JSON.stringify(raw)}`);
      const [allowed, previous, current] = result;
      this.fallback.observe(rule, key, previous, current);
      return verdictOf(allowed === 1, previous, current, call);
    } catch (error) {
      if (this.now() - this.lastWarning > 60_000) {
        this.lastWarning = this.now();
        log.warn('rate limit: Redis unavailable, counting in-process', errorFields(error));
      }
      return this.fallback.limit(rule, key, cost);
    }
  }
}
