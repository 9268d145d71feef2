import { z } from 'zod';
import { enforceEdgeLimit } from '@/lib/chat/limits';
import { handleListMessages } from '@/lib/chat/messages';
import { readSessionBody, sessionIdField } from '@/lib/chat/request';
import { errorResponse } from '@/lib/errors';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const messagesBody = z.strictObject({ sessionId: sessionIdField });

/** POST /api/session/messages {sessionId}: the id is a bearer key, so it travels in the body, never the URL. */
export async function POST(request: Request): Promise<Response> {
  const runtime = getRuntime();
  // Per address before the work (a memory and a live-reply read); only valid requests count, like
  // the chat's limits: an invalid one goes on to get its own 4xx from the handler.
  const valid = await readSessionBody(request.clone(), messagesBody, '{"sessionId": string}', runtime.config.sessionSecret).then(
    () => true,
    () => false,
  );
  if (valid) {
    try {
      await enforceEdgeLimit(runtime, request, 'messages');
    } catch (error) {
      return errorResponse(error);
    }
  }
  return handleListMessages(request, runtime);
}
