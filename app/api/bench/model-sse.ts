import { z } from 'zod';
import { encodeEvent, SSE_HEADERS } from '@/lib/chat/sse';
import { getConfig } from '@/lib/config';
import { errorBody } from '@/lib/errors';
import { OpenAIModelClient } from '@/lib/model/openai-client';
import type { ModelMessage } from '@/lib/prompt/assemble';

/**
 * Shared by the end-to-end benchmark's comparison routes (route.bench.ts, compiled only into the
 * benchmark's build): the same model client Tether uses, and the same SSE events as /api/chat, so
 * the benchmark's client reads every contender the same way.
 */

let model: OpenAIModelClient | undefined;

/** One client per process, from the same config as Tether's (OPENAI_BASE_URL, timeout, retries…). */
export function benchModel(): OpenAIModelClient {
  const config = getConfig().model;
  if (config.kind !== 'openai') throw new Error('the benchmark routes need OPENAI_BASE_URL or OPENAI_API_KEY');
  model ??= new OpenAIModelClient(config);
  return model;
}

const bodySchema = z.strictObject({
  sessionId: z.string().regex(/^[A-Za-z0-9_.-]{8,200}$/).optional(),
  text: z.string().trim().min(1).max(4000),
});

export type BenchBody = z.infer<typeof bodySchema>;

/** The request body, or a 400 answer in the house's error shape. */
export async function readBenchBody(request: Request): Promise<BenchBody | Response> {
  const parsed = bodySchema.safeParse(await request.json().catch(() => null));
  if (parsed.success) return parsed.data;
  return Response.json(errorBody('invalid_request', 'Send {"sessionId"?, "text"} as JSON.'), { status: 400 });
}

/**
 * Streams the model's reply as `delta` events, then runs `remember` (if any) and sends `done`; any
 * failure becomes an `error` event, so the benchmark counts it instead of timing it.
 */
export function streamReply(
  messages: ModelMessage[],
  signal: AbortSignal,
  remember?: (reply: string) => Promise<void>,
): Response {
  const client = benchModel();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let reply = '';
      try {
        for await (const chunk of client.stream(messages, signal)) {
          if (chunk.type !== 'delta') continue;
          reply += chunk.text;
          controller.enqueue(encodeEvent({ event: 'delta', data: { text: chunk.text } }));
        }
        await remember?.(reply);
        controller.enqueue(
          encodeEvent({ event: 'done', data: { auditId: '', reply, remembered: remember !== undefined } }),
        );
      } catch (error) {
        const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'bench_failed';
        controller.enqueue(encodeEvent({ event: 'error', data: { code, message: 'the benchmark route failed' } }));
      } finally {
        controller.close();
      }
    },
  });
  return new Response(stream, { headers: SSE_HEADERS });
}
