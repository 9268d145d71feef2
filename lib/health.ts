import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { agentFromHeaders } from '@/lib/auth/session';
import { enforceInstanceLimit } from '@/lib/chat/limits';
import type { AuditDrainer } from '@/lib/audit/drainer';
import type { DeadLetters } from '@/lib/audit/dead-letters';
import type { ConversationStore } from '@/lib/conversation/store';
import { type HealthCache, type HealthCheck, type HealthReport, runHealthChecks } from '@/lib/health-checks';
import { type EdgeServices, endpointFor } from '@/lib/http/endpoint';
import type { ModelClient } from '@/lib/model/types';
import type { RateLimiter } from '@/lib/rate-limit/window';

/**
 * Readiness: each configured backend is asked one cheap question, with a time limit (the probes and
 * the cache that shares their answer: lib/health-checks.ts). The instance is `ok` only when every
 * check answers; anything else is `unavailable` (HTTP 503), so uptime monitors, load balancers and
 * the Docker healthcheck take it out of service.
 */

/** What readiness asks: each backend, the audit's backlog, and this instance's limiter and cache. */
export interface HealthServices extends EdgeServices {
  memory: Pick<ConversationStore, 'kind' | 'read'>;
  model: Pick<ModelClient, 'modelName'>;
  drainer: Pick<AuditDrainer, 'backlog'>;
  deadLetters: Pick<DeadLetters, 'countOpen'>;
  instanceLimiter: RateLimiter;
  health: HealthCache;
}

const endpoint = endpointFor<HealthServices>();

/** The checks of this deployment's backends. */
function runtimeHealthChecks(runtime: HealthServices): HealthCheck[] {
  return [
    {
      name: 'database',
      kind: runtime.config.database.kind,
      async probe() {
        const handle = await runtime.database();
        await handle.db.execute(sql`select 1`);
      },
    },
    {
      name: 'memory',
      kind: runtime.memory.kind,
      async probe() {
        // A read of a key no session uses: one round trip, the same path a turn's load takes.
        const loaded = await runtime.memory.read('health-check');
        if (loaded.status === 'unavailable')
          throw Object.assign(new Error('memory unavailable'), { code: loaded.errorClass });
      },
    },
    // Further checks go here (each one makes the instance unavailable when it fails).
  ];
}

/**
 * The audit trail's state for the detailed report: entries still on their way to Postgres and
 * entries kept as dead letters. They need attention, but they do not take the instance out of
 * service (turns are still recorded); null when it cannot be read right now.
 */
async function auditHealth(runtime: HealthServices): Promise<{ backlog: number; deadLetters: number } | null> {
  try {
    const [backlog, deadLetters] = await Promise.all([runtime.drainer.backlog(), runtime.deadLetters.countOpen()]);
    return { backlog, deadLetters };
  } catch {
    return null;
  }
}

/** True when the Authorization header carries the configured HEALTH_TOKEN (compared in constant time). */
export function hasHealthToken(authorization: string | null, token: string | undefined): boolean {
  if (!token || !authorization?.startsWith('Bearer ')) return false;
  const given = Buffer.from(authorization.slice('Bearer '.length).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What an anonymous caller learns: only whether the instance is ready. */
export function publicHealth(report: HealthReport): Pick<HealthReport, 'status'> {
  return { status: report.status };
}

/**
 * GET /api/health. Readiness for uptime monitors and the Docker healthcheck: 200 when every configured
 * backend answers, 503 otherwise. Anonymous callers get `{"status"}` only, from a readiness answer
 * reused for HEALTH_CACHE_MS, and are limited per address (HEALTH_PER_IP_PER_MINUTE); which backends
 * run, and how fast they answer, needs `Authorization: Bearer <HEALTH_TOKEN>` (fresh probes, no limit)
 * or an admin's session.
 */
export const handleHealth = endpoint(
  {
    auth: { kind: 'public' },
    limit: {
      check: async (request, runtime) => {
        if (!healthTokenOf(request, runtime)) await enforceInstanceLimit(runtime, request, 'health');
      },
    },
  },
  async ({ request, runtime }) => {
    const token = healthTokenOf(request, runtime);
    const shared = token ? null : await runtime.health.shared(() => runtimeHealthChecks(runtime));
    const detailed =
      token || (shared !== null && (await isAdmin(request, runtime, shared.checks.database?.ok === true)));
    const report = detailed || !shared ? await runHealthChecks(runtimeHealthChecks(runtime)) : shared;
    if (detailed) runtime.health.remember(report);
    const body = detailed
      ? {
          ...report,
          model: { kind: runtime.config.model.kind, name: runtime.model.modelName },
          audit: await auditHealth(runtime),
        }
      : publicHealth(report);
    return Response.json(body, {
      status: report.status === 'ok' ? 200 : 503,
      headers: { 'cache-control': 'no-store' },
    });
  },
);

function healthTokenOf(request: Request, runtime: HealthServices): boolean {
  return hasHealthToken(request.headers.get('authorization'), runtime.config.observability.healthToken);
}

async function isAdmin(request: Request, runtime: HealthServices, databaseUp: boolean): Promise<boolean> {
  // Only a request with a session cookie can be an admin; without the database nobody can be checked.
  if (!databaseUp || !request.headers.get('cookie')) return false;
  try {
    return (await agentFromHeaders(request.headers, runtime))?.role === 'admin';
  } catch {
    return false;
  }
}
