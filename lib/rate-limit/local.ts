import { fits, verdictOf, windowCall, type RateLimiter, type RateRule, type RateVerdict } from '@/lib/rate-limit/window';

/**
 * The same sliding window, counted in this process: the embedded default (one process), and the
 * fallback while Redis cannot be reached, so a Redis problem never turns a limit off.
 */
export class LocalRateLimiter implements RateLimiter {
  private readonly counts = new Map<string, { count: number; expiresAt: number }>();

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly maxKeys = 50_000,
  ) {}

  async limit(rule: RateRule, key: string, cost = 1): Promise<RateVerdict> {
    return this.limitNow(rule, key, cost);
  }

  /** `limit` without a promise, for a caller that must not yield between reading and changing its state. */
  limitNow(rule: RateRule, key: string, cost = 1): RateVerdict {
    const now = this.now();
    if (this.counts.size >= this.maxKeys) this.sweep(now);
    const call = windowCall('local', rule, key, now, cost);
    const [currentKey, previousKey] = call.keys;
    const previous = this.read(previousKey, now);
    let current = this.read(currentKey, now);
    const allowed = fits(previous, current, call);
    if (allowed && cost > 0) {
      current += cost;
      this.counts.set(currentKey, { count: current, expiresAt: now + call.args[1] * 2 + 1000 });
    }
    return verdictOf(allowed, previous, current, call);
  }

  /**
   * What the shared counter said for this window (Redis answered): this process's counts never fall
   * below it, so a Redis failure right after continues from the shared count instead of from zero.
   */
  observe(rule: RateRule, key: string, previous: number, current: number): void {
    const now = this.now();
    if (this.counts.size >= this.maxKeys) this.sweep(now);
    const call = windowCall('local', rule, key, now, 0);
    const expiresAt = now + call.args[1] * 2 + 1000;
    const [currentKey, previousKey] = call.keys;
    if (current > this.read(currentKey, now)) this.counts.set(currentKey, { count: current, expiresAt });
    if (previous > this.read(previousKey, now)) this.counts.set(previousKey, { count: previous, expiresAt: now + call.args[1] + 1000 });
  }

  private read(key: string, now: number): number {
    const entry = this.counts.get(key);
    return entry && entry.expiresAt > now ? entry.count : 0;
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.counts) if (entry.expiresAt <= now) this.counts.delete(key);
    // Still full of live counters (a flood of distinct keys): start over rather than grow without bound.
    if (this.counts.size >= this.maxKeys) this.counts.clear();
  }
}
