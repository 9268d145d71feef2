import { ApiError } from '@/lib/errors';

/**
 * The answer to a request over a per-address or deployment limit: 429 `rate_limited` with
 * Retry-After. One home, for the endpoints that count on their own (lib/chat/limits.ts) and for the
 * chat turn, whose limits are counted in the begin script.
 */
export function rateLimitedError(retryAfterSeconds: number): ApiError {
  return new ApiError(429, 'rate_limited', 'Too many requests. Please wait a moment and try again.', {
    'retry-after': String(retryAfterSeconds),
  });
}
