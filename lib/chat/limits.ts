import 'server-only';
import { clientKey, clientOptionsOf } from '@/lib/security/client-info';
import { edgeChecks, type EdgeEndpoint } from '@/lib/rate-limit/rules';
import { rateLimitedError } from '@/lib/rate-limit/refusal';
import { limitAll, type RateLimiter, type RateRule } from '@/lib/rate-limit/window';
import type { Config } from '@/lib/config';

/** What counting a request needs: the limits' settings and the limiter shared through Redis. */
export interface LimitDeps {
  config: Config;
  rateLimiter: RateLimiter;
}

async function enforceWith(limiter: RateLimiter, checks: Array<[RateRule, string]>): Promise<void> {
  const verdict = await limitAll(limiter, checks);
  if (!verdict.success) throw rateLimitedError(verdict.retryAfterSeconds);
}

/** Counts the request against each (rule, key); over any of them → 429 with Retry-After. */
export async function enforceLimits(deps: Pick<LimitDeps, 'rateLimiter'>, checks: Array<[RateRule, string]>): Promise<void> {
  await enforceWith(deps.rateLimiter, checks);
}

/** The per-address limit of one endpoint around a turn (stop, feedback, messages, resume), shared through Redis. */
export async function enforceEdgeLimit(deps: LimitDeps, request: Request, endpoint: EdgeEndpoint): Promise<void> {
  const { config } = deps;
  await enforceLimits(deps, edgeChecks(config.limits, endpoint, clientKey(request, clientOptionsOf(config))));
}

/** That limit as an endpoint declares it (lib/http/endpoint.ts): `limit: edgeLimit('stop')`. */
export function edgeLimit(endpoint: EdgeEndpoint): { check: (request: Request, deps: LimitDeps) => Promise<void> } {
  return { check: (request, deps) => enforceEdgeLimit(deps, request, endpoint) };
}

/**
 * The same per-address limit counted in this process only, for /api/health: readiness is a question
 * about this instance, and a check that cost a Redis round trip would make every refused call as
 * expensive as the probe it protects.
 */
export async function enforceInstanceLimit(
  deps: { config: Config; instanceLimiter: RateLimiter },
  request: Request,
  endpoint: EdgeEndpoint,
): Promise<void> {
  const { config } = deps;
  await enforceWith(deps.instanceLimiter, edgeChecks(config.limits, endpoint, clientKey(request, clientOptionsOf(config))));
}
