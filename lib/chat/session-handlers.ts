import 'server-only';
import type { MessagesResponse } from '@/lib/chat/events';
import { assertIssuedSessionId } from '@/lib/chat/request';
import { noticeFor } from '@/lib/chat/turn';
import { errorResponse } from '@/lib/errors';
import type { Runtime } from '@/lib/runtime';
import { issueSessionId } from '@/lib/session-id';

/** POST /api/session: a fresh, signed id. Nothing is stored until the first message. */
export function handleCreateSession(runtime: Runtime, now = new Date()): Response {
  const { config } = runtime;
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
