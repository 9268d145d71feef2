import { readBenchBody, streamReply } from '../model-sse';

/**
 * Benchmark only (compiled when TETHER_BENCH_ROUTES=1): the floor any chat route stands on. The
 * same model call through the same SDK client as Tether, streamed as SSE; no memory, no prompt
 * assembly, no audit.
 */
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  const body = await readBenchBody(request);
  if (body instanceof Response) return body;
  return streamReply([{ role: 'user', content: body.text }], request.signal);
}
