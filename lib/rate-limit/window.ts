import { rateWindowKey } from '@/lib/redis/keys';

/**
 * The sliding-window counter every Tether limit uses, as pure functions: which keys a check reads,
 * what it sends to Redis, and how a verdict and its Retry-After follow from two counts. The Redis
 * script (lib/redis/scripts/sliding-window.ts) and the in-process limiter (local.ts) run the same arithmetic, and a turn's own
 * Redis script can fold a check in by taking `windowCall()`'s keys and arguments.
 *
 * The estimate is the current fixed window's count plus the previous window's, weighted by how much
 * of it still overlaps the sliding window: smooth at window edges, two integers per key.
 */

export interface RateRule {
  /** Part of the key: rules never share counters. */
  name: string;
  /** Requests allowed per window; 0 turns the rule off. */
  limit: number;
  windowSeconds: number;
}

export interface RateVerdict {
  success: boolean;
  /** Seconds until the caller may try again (0 when allowed). */
  retryAfterSeconds: number;
}

export interface WindowCall {
  /** [current window's counter, previous window's counter] (one hash tag: one cluster slot). */
  keys: [string, string];
  /** [limit, windowMs, elapsedMs into the current window, cost] */
  args: [number, number, number, number];
}

/** What a check sends: `cost` 1 counts the request, 0 only asks whether one more would pass. */
export function windowCall(prefix: string, rule: RateRule, key: string, nowMs: number, cost = 1): WindowCall {
  const windowMs = rule.windowSeconds * 1000;
  const index = Math.floor(nowMs / windowMs);
  return {
    keys: [rateWindowKey(prefix, rule.name, key, index), rateWindowKey(prefix, rule.name, key, index - 1)],
    args: [rule.limit, windowMs, nowMs - index * windowMs, cost],
  };
}

/** The weighted count of the sliding window ending now. */
export function estimate(previous: number, current: number, windowMs: number, elapsedMs: number): number {
  return Math.floor((previous * (windowMs - elapsedMs)) / windowMs) + current;
}

/** Allowed when the request (at least one, also when only asking) still fits. Same rule as the script. */
export function fits(previous: number, current: number, call: WindowCall): boolean {
  const [limit, windowMs, elapsedMs, cost] = call.args;
  return estimate(previous, current, windowMs, elapsedMs) + Math.max(cost, 1) <= limit;
}

/**
 * How long until one more request fits: the previous window's weight has to fade far enough, or,
 * when the current window alone is full, the current window has to end (and then fade).
 */
export function retryAfterMs(previous: number, current: number, call: WindowCall): number {
  const [limit, windowMs, elapsedMs, cost] = call.args;
  const need = Math.max(cost, 1);
  if (current + need <= limit) {
    // floor(previous * (windowMs - t) / windowMs) <= limit - current - need
    const room = limit - current - need;
    const t = previous > 0 ? windowMs * (1 - (room + 1) / previous) : elapsedMs;
    return Math.max(1, Math.ceil(t - elapsedMs) + 1);
  }
  // The current window becomes the previous one at its end; then its weight has to fall below the limit.
  const room = limit - need;
  const fade = current > 0 ? windowMs * (1 - (room + 1) / current) : 0;
  return Math.max(1, windowMs - elapsedMs + Math.max(0, Math.ceil(fade)) + 1);
}

export function verdictOf(allowed: boolean, previous: number, current: number, call: WindowCall): RateVerdict {
  if (allowed) return { success: true, retryAfterSeconds: 0 };
  return { success: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs(previous, current, call) / 1000)) };
}

export interface RateLimiter {
  /** Counts the request (cost 1) unless `cost` is 0, and says whether it is within the rule. */
  limit(rule: RateRule, key: string, cost?: number): Promise<RateVerdict>;
}

export const ALLOWED: RateVerdict = { success: true, retryAfterSeconds: 0 };

/** Checks every rule (no short-circuit, so each budget counts the attempt) and reports the strictest. */
export async function limitAll(
  limiter: RateLimiter,
  checks: ReadonlyArray<readonly [RateRule, string]>,
  cost = 1,
): Promise<RateVerdict> {
  const active = checks.filter(([rule]) => rule.limit > 0);
  const verdicts = await Promise.all(active.map(([rule, key]) => limiter.limit(rule, key, cost)));
  const denied = verdicts.filter((v) => !v.success);
  return denied.length === 0
    ? ALLOWED
    : { success: false, retryAfterSeconds: Math.max(...denied.map((v) => v.retryAfterSeconds)) };
}
