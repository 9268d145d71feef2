import 'server-only';
import { createRateLimiter, type RateLimiter } from '@/lib/auth/rate-limit';
import type { Runtime } from '@/lib/runtime';

// One limiter per runtime (its in-process counters must outlive a request); on globalThis so that
// dev-mode module reloads keep counting.
const holder = globalThis as typeof globalThis & { __tetherRateLimiters?: WeakMap<Runtime, RateLimiter> };

export function rateLimiterFor(runtime: Runtime): RateLimiter {
  holder.__tetherRateLimiters ??= new WeakMap();
  let limiter = holder.__tetherRateLimiters.get(runtime);
  if (!limiter) {
    limiter = createRateLimiter(runtime.config.memory);
    holder.__tetherRateLimiters.set(runtime, limiter);
  }
  return limiter;
}
