import 'server-only';
import { ApiError } from '@/lib/errors';
import { rateLimiterFor } from '@/lib/rate-limit';
import { limitAll, type RateRule } from '@/lib/rate-limit/window';
import type { Runtime } from '@/lib/runtime';

/** Counts the request against each (rule, key); over any of them → 429 with Retry-After. */
export async function enforceLimits(runtime: Runtime, checks: Array<[RateRule, string]>): Promise<void> {
  const verdict = await limitAll(rateLimiterFor(runtime), checks);
  if (!verdict.success) {
    throw new ApiError(429, 'rate_limited', 'Too many requests. Please wait a moment and try again.', {
      'retry-after': String(verdict.retryAfterSeconds),
    });
  }
}
