import { parseFeedbackRequest, recordFeedback } from '@/lib/chat/feedback';
import { enforceEdgeLimit } from '@/lib/chat/limits';
import { readJsonBody } from '@/lib/chat/request';
import { errorResponse } from '@/lib/errors';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST /api/feedback {sessionId, auditId, rating}: 204 once stored. */
export async function POST(request: Request): Promise<Response> {
  try {
    const rt = getRuntime();
    const input = parseFeedbackRequest(await readJsonBody(request, 2048), rt.config);
    // Per address; only valid requests count, like the chat's limits.
    await enforceEdgeLimit(rt, request, 'feedback');
    await recordFeedback({ memory: rt.memory, db: async () => (await rt.database()).db }, input);
    return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return errorResponse(error);
  }
}
