import { clientKey, clientOptionsOf } from '@/lib/chat/client-info';
import { enforceLimits } from '@/lib/chat/limits';
import { parseResumeRequest, resumeResponse, resumeSlots, tailLiveReply } from '@/lib/chat/resume';
import { ApiError, errorResponse } from '@/lib/errors';
import { edgeChecks } from '@/lib/rate-limit/rules';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** How long a client refused for too many open streams should wait: about one short reply. */
const BUSY_RETRY_SECONDS = 5;

/** POST /api/chat/resume {sessionId, auditId}: SSE of a reply still streaming, from its start. */
export async function POST(request: Request): Promise<Response> {
  try {
    const runtime = getRuntime();
    const { config } = runtime;
    const { sessionId, auditId } = await parseResumeRequest(request, config);
    // Only valid requests count, like the chat's limits; then the streams open at once.
    const address = clientKey(request, clientOptionsOf(config));
    await enforceLimits(runtime, edgeChecks(config.limits, 'resume', address));
    const release = resumeSlots().tryAcquire([
      [`session:${sessionId}`, config.limits.resumeStreamsPerSession],
      [`address:${address}`, config.limits.resumeStreamsPerIp],
    ]);
    if (!release) {
      throw new ApiError(429, 'rate_limited', 'Too many open resumes. Please wait a moment and try again.', {
        'retry-after': String(BUSY_RETRY_SECONDS),
      });
    }
    const abort = new AbortController();
    request.signal.addEventListener('abort', () => abort.abort());
    const events = tailLiveReply(runtime.liveReplies, sessionId, auditId, { pollMs: 200, maxMs: 120_000 }, abort.signal);
    return resumeResponse(events, abort, release);
  } catch (error) {
    return errorResponse(error);
  }
}
