import type { MessagesResponse } from '@/lib/chat/events';
import { assertIssuedSessionId } from '@/lib/chat/request';
import { liveReplyStore } from '@/lib/chat/live-reply';
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
    const [memory, live] = await Promise.all([
      runtime.memory.read(sessionId),
      liveReplyStore(runtime.config).read(sessionId).catch(() => null),
    ]);
    const body: MessagesResponse = {
      sessionId,
      memory: memory.status,
      notice: noticeFor(memory.status),
      messages: memory.messages.map(({ role, text, at, auditId }) => ({ role, text, at, auditId })),
      // Only a reply still streaming that memory does not hold yet is news to the page.
      live:
        live && live.status === 'streaming' && !memory.messages.some((m) => m.auditId === live.auditId)
          ? { auditId: live.auditId, userText: live.userText, at: live.at, text: live.text }
          : null,
    };
    return Response.json(body, { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return errorResponse(error);
  }
}
