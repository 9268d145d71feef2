import 'server-only';
import { z } from 'zod';
import { clientKey, clientOptionsOf } from '@/lib/chat/client-info';
import { enforceEdgeLimit, enforceLimits } from '@/lib/chat/limits';
import { assertIssuedSessionId, readJsonBody } from '@/lib/chat/request';
import { sessionCreateChecks } from '@/lib/rate-limit/rules';
import { ApiError, errorResponse } from '@/lib/errors';
import type { Runtime } from '@/lib/runtime';
import { issueSessionId } from '@/lib/session-id';

/**
 * POST /api/session: a fresh, signed id. Memory notes that the id is new (so its first message needs
 * no durable lookup); if memory is down the id is still issued: the first turn asks the audit instead.
 */
export async function handleCreateSession(runtime: Runtime, request: Request, now = new Date()): Promise<Response> {
  const { config } = runtime;
  await enforceLimits(runtime, sessionCreateChecks(config.limits, clientKey(request, clientOptionsOf(config))));
  const sessionId = issueSessionId(config.sessionSecret);
  await runtime.memory.register(sessionId).catch((error: unknown) => {
    console.warn('[tether] new session not registered in memory:', error instanceof Error ? error.message : error);
  });
  const expiresAt = new Date(now.getTime() + config.memory.ttlSeconds * 1000).toISOString();
  return Response.json({ sessionId, expiresAt }, { status: 201, headers: { 'cache-control': 'no-store' } });
}

const stopRequestSchema = z.strictObject({ sessionId: z.string().max(200), auditId: z.uuid() });

/**
 * POST /api/chat/stop {sessionId, auditId}: the customer stops a reply that is streaming. The reply
 * so far is kept and the turn is audited as `aborted`. Reaches the turn at once when it runs in this
 * process, else through memory (the running turn reads it when it renews its lease, within ~1 s).
 */
export async function handleStop(request: Request, runtime: Runtime): Promise<Response> {
  try {
    const body = await readJsonBody(request, 1024);
    const parsed = stopRequestSchema.safeParse(body);
    if (!parsed.success) {
      const unknown = parsed.error.issues.some((issue) => issue.code === 'unrecognized_keys');
      throw new ApiError(
        400,
        unknown ? 'unknown_field' : 'invalid_request',
        'Expected {"sessionId": string, "auditId": string} and nothing else.',
      );
    }
    const { sessionId, auditId } = parsed.data;
    assertIssuedSessionId(sessionId, runtime.config.sessionSecret);
    // Per address; only valid requests count, like the chat's limits.
    await enforceEdgeLimit(runtime, request, 'stop');
    if (!runtime.stops.stop(auditId, sessionId)) await runtime.memory.requestStop(sessionId, auditId);
    return Response.json({ stopped: true }, { status: 202, headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return errorResponse(error);
  }
}
