import { handleListMessages } from '@/lib/chat/messages';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST /api/session/messages {sessionId}: the id is a bearer key, so it travels in the body, never the URL. */
export async function POST(request: Request): Promise<Response> {
  return handleListMessages(request, getRuntime());
}
