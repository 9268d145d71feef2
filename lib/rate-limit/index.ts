import 'server-only';
import type { Config } from '@/lib/config';
import { createRestClient } from '@/lib/redis/client';
import { LocalRateLimiter } from '@/lib/rate-limit/local';
import { RedisRateLimiter, type ScriptClient } from '@/lib/rate-limit/redis';
import type { RateLimiter } from '@/lib/rate-limit/window';
import type { Runtime } from '@/lib/runtime';

export { limitAll, type RateLimiter, type RateRule, type RateVerdict } from '@/lib/rate-limit/window';

/** Redis when configured (shared by every instance), else this process's counters. */
export function createRateLimiter(memory: Config['memory'], redis?: ScriptClient | null): RateLimiter {
  if (memory.backend.kind !== 'redis') return new LocalRateLimiter();
  const client =
    redis ??
    createRestClient({
      url: memory.backend.url,
      token: memory.backend.token,
      // As patient as a memory load: a chat turn waits for this check, and when Redis is slow the
      // check counts in-process instead of stalling the customer.
      timeoutMs: memory.backend.timeoutMs,
      retries: 0,
    });
  return new RedisRateLimiter(client, memory.keyPrefix);
}

// One limiter per runtime (its in-process counters must outlive a request); on globalThis so that
// dev-mode module reloads keep counting.
const holder = globalThis as typeof globalThis & { __tetherRateLimiters?: WeakMap<Runtime, RateLimiter> };

export function rateLimiterFor(runtime: Runtime): RateLimiter {
  holder.__tetherRateLimiters ??= new WeakMap();
  let limiter = holder.__tetherRateLimiters.get(runtime);
  if (!limiter) {
    // The runtime's one Redis client, shared with memory and the audit stream.
    limiter = createRateLimiter(runtime.config.memory, runtime.redis);
    holder.__tetherRateLimiters.set(runtime, limiter);
  }
  return limiter;
}
