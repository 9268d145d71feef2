import 'server-only';
import { clientKey, clientOptionsOf } from '@/lib/security/client-info';
import { edgeChecks, type EdgeEndpoint } from '@/lib/rate-limit/rules';
import { rateLimitedError } from '@/lib/rate-limit/refusal';
import { limitAll, type RateLimiter, type RateRule } from '@/lib/rate-limit/window';
import type { Runtime } from '@/lib/runtime';

async function enforceWith(limiter: RateLimiter, checks: Array<[RateRule, string]>): Promise<void> {
  const verdict = await limitAll(limiter, checks);
  if (!verdict.success) throw rateLimitedError(verdict.retryAfterSeconds);
}

/** Counts the request against each (rule, key); over any of them → 429 with Retry-After. */
export async function enforceLimits(runtime: Runtime, checks: Array<[RateRule, string]>): Promise<void> {
  await enforceWith(runtime.rateLimiter, checks);
}

/** The per-address limit of one endpoint around a turn (stop, feedback, messages, resume), shared through Redis. */
export async function enforceEdgeLimit(runtime: Runtime, request: Request, endpoint: EdgeEndpoint): Promise<void> {
  const { config } = runtime;
  await enforceLimits(runtime, edgeChecks(config.limits, endpoint, clientKey(request, clientOptionsOf(config))));
}

/**
 * The same per-address limit counted in this process only, for /api/health: readiness is a question
 * about this instance, and a check that cost a Redis round trip would make every refused call as
 * expensive as the probe it protects.
 */
export async function enforceInstanceLimit(runtime: Runtime, request: Request, endpoint: EdgeEndpoint): Promise<void> {
  const { config } = runtime;
  await enforceWith(runtime.instanceLimiter, edgeChecks(config.limits, endpoint, clientKey(request, clientOptionsOf(config))));
}
