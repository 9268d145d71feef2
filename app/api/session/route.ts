import { handleCreateSession } from '@/lib/chat/session-handlers';
import { errorResponse } from '@/lib/errors';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  try {
    return await handleCreateSession(getRuntime(), request);
  } catch (error) {
    return errorResponse(error);
  }
}
