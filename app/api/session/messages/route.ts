import { enforceEdgeLimit } from '@/lib/chat/limits';
import { handleListMessages } from '@/lib/chat/messages';
import { errorResponse } from '@/lib/errors';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST /api/session/messages {sessionId}: the id is a bearer key, so it travels in the body, never the URL. */
export async function POST(request: Request): Promise<Response> {
  const runtime = getRuntime();
  try {
    // Per address before any work: each call reads memory and the live reply.
    await enforceEdgeLimit(runtime, request, 'messages');
  } catch (error) {
    return errorResponse(error);
  }
  return handleListMessages(request, runtime);
}
