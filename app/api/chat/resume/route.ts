import { parseResumeQuery, resumeResponse, tailLiveReply } from '@/lib/chat/resume';
import { errorResponse } from '@/lib/errors';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET /api/chat/resume?sessionId=…&auditId=…: SSE of a reply still streaming, from its start. */
export function GET(request: Request): Response {
  try {
    const runtime = getRuntime();
    const { config } = runtime;
    const { sessionId, auditId } = parseResumeQuery(new URL(request.url), config.sessionSecret);
    const abort = new AbortController();
    request.signal.addEventListener('abort', () => abort.abort());
    const events = tailLiveReply(runtime.liveReplies, sessionId, auditId, { pollMs: 200, maxMs: 120_000 }, abort.signal);
    return resumeResponse(events, abort);
  } catch (error) {
    return errorResponse(error);
  }
}
