import 'server-only';
import { z } from 'zod';
import type { MessagesResponse } from '@/lib/chat/events';
import { feedbackFor } from '@/lib/chat/feedback';
import { edgeLimit, type LimitDeps } from '@/lib/chat/limits';
import { noticeFor } from '@/lib/copy/notices';
import { conversationView } from '@/lib/handoff/machine';
import type { ConversationStore } from '@/lib/conversation/store';
import type { LiveReplyStore } from '@/lib/conversation/live-reply';
import { type EdgeServices, endpointFor } from '@/lib/http/endpoint';
import { sessionIdSchema } from '@/lib/session-id';

const messagesRequestSchema = z.strictObject({ sessionId: sessionIdSchema });

/** A reload reads memory, the reply still streaming, and the ratings (Postgres). */
export interface MessagesServices extends EdgeServices, LimitDeps {
  memory: Pick<ConversationStore, 'read' | 'readState'>;
  liveReplies: Pick<LiveReplyStore, 'read'>;
}

const endpoint = endpointFor<MessagesServices>();

/**
 * POST /api/session/messages {sessionId}: the remembered turns, from the server, for a page reload.
 * A POST body rather than a path or query, so the bearer id never lands in an access log or a CDN's.
 */
export const handleListMessages = endpoint(
  {
    auth: { kind: 'customer' },
    body: {
      schema: messagesRequestSchema,
      maxBytes: 2048,
      wording: { expected: '{"sessionId": string} and nothing else' },
    },
    // Per address before the work (a memory and a live-reply read); only valid requests count, like
    // the chat's limits: an invalid one has had its own 4xx above.
    limit: edgeLimit('messages'),
  },
  async ({ runtime, body: { sessionId } }) => {
    const [memory, live, held] = await Promise.all([
      runtime.memory.read(sessionId),
      runtime.liveReplies.read(sessionId).catch(() => null),
      runtime.memory.readState(sessionId),
    ]);
    const ratings = await ratingsOf(runtime, memory.messages);
    const body: MessagesResponse = {
      sessionId,
      memory: memory.status,
      notice: noticeFor(memory.status),
      messages: memory.messages.map(({ role, text, at, auditId, stopped, agentName }) => ({
        role,
        text,
        at,
        auditId,
        ...(stopped ? { stopped } : {}),
        ...(role === 'agent' ? { agentName: agentName ?? '' } : {}),
        ...(role === 'assistant' && ratings[auditId] ? { rating: ratings[auditId] } : {}),
      })),
      // Only a reply still streaming that memory does not hold yet is news to the page.
      ...(held ? { conversation: { ...conversationView(held.snapshot), version: held.eventSeq } } : {}),
      live:
        live && live.status === 'streaming' && !memory.messages.some((m) => m.auditId === live.auditId)
          ? { auditId: live.auditId, userText: live.userText, at: live.at, text: live.text }
          : null,
    };
    return Response.json(body, { headers: { 'cache-control': 'no-store' } });
  },
);

/**
 * The customer's current rating of each remembered reply. Postgres (turn_feedback) is the one place
 * ratings live, written before /api/feedback answers, so a reload right after a click sees it; memory
 * keeps none, so the two cannot disagree. A failed read costs only the pressed thumbs, never the reload.
 */
async function ratingsOf(
  runtime: Pick<MessagesServices, 'database'>,
  messages: { role: string; auditId: string }[],
): Promise<Record<string, 'up' | 'down'>> {
  const auditIds = messages.filter((m) => m.role === 'assistant').map((m) => m.auditId);
  if (auditIds.length === 0) return {};
  try {
    return await feedbackFor((await runtime.database()).db, auditIds);
  } catch {
    return {};
  }
}
