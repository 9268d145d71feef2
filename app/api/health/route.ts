import { agentFromHeaders } from '@/lib/auth/session';
import { enforceInstanceLimit } from '@/lib/chat/limits';
import { errorResponse } from '@/lib/errors';
import {
  auditHealth,
  cachedHealthChecks,
  hasHealthToken,
  publicHealth,
  rememberHealth,
  runHealthChecks,
  runtimeHealthChecks,
} from '@/lib/health';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Readiness for uptime monitors and the Docker healthcheck: 200 when every configured backend
 * answers, 503 otherwise. Anonymous callers get `{"status"}` only, from a readiness answer reused for
 * HEALTH_CACHE_MS, and are limited per address (HEALTH_PER_IP_PER_MINUTE); which backends run, and how
 * fast they answer, needs `Authorization: Bearer <HEALTH_TOKEN>` (fresh probes, no limit) or an admin's session.
 */
export async function GET(request: Request): Promise<Response> {
  const app = getRuntime();
  const token = hasHealthToken(request.headers.get('authorization'), app.config.observability.healthToken);
  try {
    if (!token) await enforceInstanceLimit(app, request, 'health');
  } catch (error) {
    return errorResponse(error);
  }
  const shared = token ? null : await cachedHealthChecks(app, () => runtimeHealthChecks(app), app.config.limits.healthCacheMs);
  const detailed = token || (shared !== null && (await isAdmin(request, shared.checks.database?.ok === true)));
  const report = detailed ? await runHealthChecks(runtimeHealthChecks(app)) : shared!;
  if (detailed) rememberHealth(app, report);
  const body = detailed
    ? { ...report, model: { kind: app.config.model.kind, name: app.model.modelName }, audit: await auditHealth(app) }
    : publicHealth(report);
  return Response.json(body, { status: report.status === 'ok' ? 200 : 503, headers: { 'cache-control': 'no-store' } });
}

async function isAdmin(request: Request, databaseUp: boolean): Promise<boolean> {
  // Only a request with a session cookie can be an admin; without the database nobody can be checked.
  if (!databaseUp || !request.headers.get('cookie')) return false;
  try {
    return (await agentFromHeaders(request.headers, getRuntime()))?.role === 'admin';
  } catch {
    return false;
  }
}
