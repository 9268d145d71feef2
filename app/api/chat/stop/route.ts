import { parseStopRequest, stopRunningTurn } from '@/lib/chat/stop';
import { readJsonBody } from '@/lib/chat/request';
import { errorResponse } from '@/lib/errors';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST /api/chat/stop {sessionId, auditId}: stops that turn's reply; the partial reply is kept in the audit as `aborted`. */
export async function POST(request: Request): Promise<Response> {
  try {
    const { config } = getRuntime();
    const { sessionId, auditId } = parseStopRequest(await readJsonBody(request, 2048), config.sessionSecret);
    const stopped = stopRunningTurn(sessionId, auditId);
    return Response.json({ stopped }, { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return errorResponse(error);
  }
}
