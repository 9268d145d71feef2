import type { MessagesResponse } from '@/lib/chat/events';
import { clientKey, clientOptionsOf } from '@/lib/chat/client-info';
import { enforceLimits } from '@/lib/chat/limits';
import { assertIssuedSessionId } from '@/lib/chat/request';
import { sessionCreateChecks } from '@/lib/rate-limit/rules';
import { noticeFor } from '@/lib/chat/turn';
import { errorResponse } from '@/lib/errors';
import type { Runtime } from '@/lib/runtime';
import { issueSessionId } from '@/lib/session-id';

/** POST /api/session: a fresh, signed id. Nothing is stored until the first message. */
export async function handleCreateSession(runtime: Runtime, request: Request, now = new Date()): Promise<Response> {
  const { config } = runtime;
  await enforceLimits(runtime, sessionCreateChecks(config.limits, clientKey(request, clientOptionsOf(config))));
  const sessionId = issueSessionId(config.sessionSecret);
  const expiresAt = new Date(now.getTime() + config.memory.ttlSeconds * 1000).toISOString();
  return Response.json({ sessionId, expiresAt }, { status: 201, headers: { 'cache-control': 'no-store' } });
}

/** GET /api/session/{id}/messages: the remembered turns, from the server, for a page reload. */
export async function handleListMessages(sessionId: string, runtime: Runtime): Promise<Response> {
  try {
    assertIssuedSessionId(sessionId, runtime.config.sessionSecret);
    const memory = await runtime.memory.read(sessionId);
    const body: MessagesResponse = {
      sessionId,
      memory: memory.status,
      notice: noticeFor(memory.status),
      messages: memory.messages.map(({ role, text, at, auditId }) => ({ role, text, at, auditId })),
    };
    return Response.json(body, { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return errorResponse(error);
  }
}
