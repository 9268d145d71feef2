import 'server-only';
import { z } from 'zod';
import { clientKey, clientOptionsOf } from '@/lib/chat/client-info';
import { enforceEdgeLimit, enforceLimits } from '@/lib/chat/limits';
import { assertIssuedSessionId, readJsonBody } from '@/lib/chat/request';
import { sessionCreateChecks } from '@/lib/rate-limit/rules';
import { ApiError, errorResponse } from '@/lib/errors';
import type { Runtime } from '@/lib/runtime';
import { issueSession } from '@/lib/identity/issue';
import { readCreateSessionRequest } from '@/lib/identity/session-request';

/**
 * POST /api/session: a signed id. With no body, a fresh anonymous conversation; with the host site's
 * signed token (`{"userToken"}`), that customer's own conversation, the same on every device
 * (lib/identity). Memory notes a conversation nobody has used yet as new (so its first message needs
 * no durable lookup); if memory is down the id is still issued: the first turn asks the audit instead.
 */
export async function handleCreateSession(runtime: Runtime, request: Request, now = new Date()): Promise<Response> {
  const { config } = runtime;
  // Token requests count too: the per-address limit is also what slows down guessing at tokens.
  await enforceLimits(runtime, sessionCreateChecks(config.limits, clientKey(request, clientOptionsOf(config))));
  const input = await readCreateSessionRequest(request);
  const issued = await issueSession(
    {
      sessionSecret: config.sessionSecret,
      identity: config.identity,
      database: async () => (await runtime.database()).db,
    },
    input,
    now,
  );
  const { sessionId } = issued;
  // A verified conversation already in use keeps its counter: registering it again after memory
  // expired would restart its turn numbers under the audit's.
  if (issued.fresh) {
    await runtime.memory.register(sessionId).catch((error: unknown) => {
      console.warn('[tether] new session not registered in memory:', error instanceof Error ? error.message : error);
    });
  }
  const expiresAt = new Date(now.getTime() + config.memory.ttlSeconds * 1000).toISOString();
  return Response.json(
    { sessionId, expiresAt, identity: issued.identity },
    { status: 201, headers: { 'cache-control': 'no-store' } },
  );
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
    assertIssuedSessionId(sessionId, runtime.config);
    // Per address; only valid requests count, like the chat's limits.
    await enforceEdgeLimit(runtime, request, 'stop');
    if (!runtime.stops.stop(auditId, sessionId)) await runtime.memory.requestStop(sessionId, auditId);
    return Response.json({ stopped: true }, { status: 202, headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return errorResponse(error);
  }
}
