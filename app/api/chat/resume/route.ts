import { parseResumeRequest, resumeResponse, tailLiveReply } from '@/lib/chat/resume';
import { errorResponse } from '@/lib/errors';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST /api/chat/resume {sessionId, auditId}: SSE of a reply still streaming, from its start. */
export async function POST(request: Request): Promise<Response> {
  try {
    const runtime = getRuntime();
    const { sessionId, auditId } = await parseResumeRequest(request, runtime.config);
    const abort = new AbortController();
    request.signal.addEventListener('abort', () => abort.abort());
    const events = tailLiveReply(runtime.liveReplies, sessionId, auditId, { pollMs: 200, maxMs: 120_000 }, abort.signal);
    return resumeResponse(events, abort);
  } catch (error) {
    return errorResponse(error);
  }
}
