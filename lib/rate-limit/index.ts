import type { Config } from '@/lib/config';
import { createRestClient } from '@/lib/redis/client';
import { LocalRateLimiter } from '@/lib/rate-limit/local';
import { RedisRateLimiter, type ScriptClient } from '@/lib/rate-limit/redis';
import type { RateLimiter } from '@/lib/rate-limit/window';

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
