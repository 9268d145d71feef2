import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import type { Config } from '@/lib/config';
import { log } from '@/lib/observability/log';

/**
 * Fixed budgets for the endpoints an attacker would hammer. With Upstash Redis configured, the budget
 * is shared by every instance (sliding window); without it, or while Redis is unreachable or cannot
 * run the scripts, each process counts on its own, so a Redis problem never turns the limit off.
 */

export interface RateRule {
  /** Part of the key: rules never share counters. */
  name: string;
  tokens: number;
  windowSeconds: number;
}

export interface RateVerdict {
  success: boolean;
  /** Seconds until the caller may try again (0 when allowed). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  limit(rule: RateRule, key: string): Promise<RateVerdict>;
}

export const SIGN_IN_PER_IP: RateRule = { name: 'signin-ip', tokens: 20, windowSeconds: 15 * 60 };
export const SIGN_IN_PER_EMAIL: RateRule = { name: 'signin-email', tokens: 10, windowSeconds: 15 * 60 };
export const SETUP_PER_IP: RateRule = { name: 'setup-ip', tokens: 10, windowSeconds: 15 * 60 };

/** Counts in this process: a fixed window per key, swept when the map grows. */
export class LocalRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  async limit(rule: RateRule, key: string): Promise<RateVerdict> {
    const now = this.now();
    if (this.windows.size >= this.maxKeys) this.sweep(now);
    const id = `${rule.name}:${key}`;
    let window = this.windows.get(id);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + rule.windowSeconds * 1000 };
      this.windows.set(id, window);
    }
    window.count += 1;
    const success = window.count <= rule.tokens;
    return { success, retryAfterSeconds: success ? 0 : Math.ceil((window.resetAt - now) / 1000) };
  }

  private sweep(now: number): void {
    for (const [id, window] of this.windows) if (window.resetAt <= now) this.windows.delete(id);
    // Still full of live windows (a flood of distinct keys): start over rather than grow without bound.
    if (this.windows.size >= this.maxKeys) this.windows.clear();
  }
}

/**
 * Upstash's sliding window, one Ratelimit per rule; any failure falls back to the local counter.
 * @upstash/ratelimit's Lua scripts carry an Upstash-only shebang flag (`allow-key-locking`) that a
 * plain Redis 7 (for example behind serverless-redis-http or the test bridge) rejects; that error is
 * permanent, so after it the limiter stops asking Redis and counts in-process for good.
 */
export class UpstashRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly limiters = new Map<string, Ratelimit>();
  private unsupported = false;
  private lastWarning = 0;

  constructor(
    private readonly options: { url: string; token: string; keyPrefix: string; timeoutMs: number },
    private readonly fallback: RateLimiter = new LocalRateLimiter(),
  ) {
    this.redis = new Redis({
      url: options.url,
      token: options.token,
      enableTelemetry: false,
      retry: { retries: 0 },
    });
  }

  async limit(rule: RateRule, key: string): Promise<RateVerdict> {
    if (this.unsupported) return this.fallback.limit(rule, key);
    try {
      const result = await this.limiter(rule).limit(key);
      // On a timeout the library lets the request through; we count it locally instead.
      if (result.reason === 'timeout') return this.fallback.limit(rule, key);
      return {
        success: result.success,
        retryAfterSeconds: result.success ? 0 : Math.max(1, Math.ceil((result.reset - Date.now()) / 1000)),
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message.includes('Unexpected flag in script shebang')) {
        // Checks of several rules run in parallel and can all fail here: warn once.
        if (!this.unsupported) {
          log.warn('rate limit: this Redis does not run @upstash/ratelimit scripts; counting in-process from now on');
        }
        this.unsupported = true;
      } else if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        log.warn('rate limit: Redis unavailable, counting in-process', { error: message });
      }
      return this.fallback.limit(rule, key);
    }
  }

  private limiter(rule: RateRule): Ratelimit {
    let limiter = this.limiters.get(rule.name);
    if (!limiter) {
      limiter = new Ratelimit({
        redis: this.redis,
        limiter: Ratelimit.slidingWindow(rule.tokens, `${rule.windowSeconds} s`),
        prefix: `${this.options.keyPrefix}:v1:ratelimit:${rule.name}`,
        timeout: this.options.timeoutMs,
        analytics: false,
        enableTelemetry: false,
      });
      this.limiters.set(rule.name, limiter);
    }
    return limiter;
  }
}

export function createRateLimiter(memory: Config['memory']): RateLimiter {
  if (memory.backend.kind !== 'redis') return new LocalRateLimiter();
  return new UpstashRateLimiter({
    url: memory.backend.url,
    token: memory.backend.token,
    keyPrefix: memory.keyPrefix,
    // Sign-in can afford more patience than a chat turn's memory load.
    timeoutMs: Math.max(memory.backend.timeoutMs, 1000),
  });
}

/** Checks every rule (no short-circuit, so each budget counts the attempt) and reports the strictest. */
export async function limitAll(limiter: RateLimiter, checks: Array<[RateRule, string]>): Promise<RateVerdict> {
  const verdicts = await Promise.all(checks.map(([rule, key]) => limiter.limit(rule, key)));
  const denied = verdicts.filter((v) => !v.success);
  return denied.length === 0
    ? { success: true, retryAfterSeconds: 0 }
    : { success: false, retryAfterSeconds: Math.max(...denied.map((v) => v.retryAfterSeconds)) };
}
