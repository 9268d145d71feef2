import { z } from 'zod';
import type { ChatEvent } from '@/lib/chat/events';
import type { LiveReplyStore } from '@/lib/chat/live-reply';
import { readSessionBody, sessionIdField, type SessionPolicy } from '@/lib/chat/request';
import { encodeEvent, SSE_HEADERS } from '@/lib/chat/sse';

const resumeSchema = z.strictObject({ sessionId: sessionIdField, auditId: z.uuid() });

/** The reply to follow: the session id travels in the body (a bearer key never goes into a URL). */
export function parseResumeRequest(request: Request, sessions: SessionPolicy): Promise<{ sessionId: string; auditId: string }> {
  return readSessionBody(request, resumeSchema, '{"sessionId": string, "auditId": uuid}', sessions);
}

export interface TailOptions {
  pollMs: number;
  /** The longest a resume may run: a reply's buffer lives about this long anyway. */
  maxMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * The events of a reply being resumed: `meta`, the text so far as one `delta`, then each new piece
 * as it lands in the buffer, until it ends (`done`/`error`) or disappears (`error` `resume_lost`,
 * after which the client reads the conversation from memory).
 */
export async function* tailLiveReply(
  store: LiveReplyStore,
  sessionId: string,
  auditId: string,
  options: TailOptions,
  signal?: AbortSignal,
): AsyncGenerator<ChatEvent> {
  const sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + options.maxMs;
  let sent = 0;
  let started = false;
  while (!signal?.aborted) {
    const live = await store.read(sessionId).catch(() => null);
    if (!live || live.auditId !== auditId) {
      yield { event: 'error', data: { code: 'resume_lost', message: 'The reply could not be resumed.' } };
      return;
    }
    if (!started) {
      started = true;
      yield { event: 'meta', data: { auditId, memory: 'ok', notice: null, replay: false } };
    }
    if (live.text.length > sent) {
      yield { event: 'delta', data: { text: live.text.slice(sent) } };
      sent = live.text.length;
    }
    if (live.status === 'done') {
      yield { event: 'done', data: { auditId, reply: live.text, remembered: true } };
      return;
    }
    if (live.status === 'failed') {
      yield { event: 'error', data: live.error ?? { code: 'model_unavailable', message: 'The answer was interrupted.' } };
      return;
    }
    if (now() >= deadline) {
      yield { event: 'error', data: { code: 'resume_lost', message: 'The reply could not be resumed.' } };
      return;
    }
    await sleep(options.pollMs);
  }
}

export function resumeResponse(events: AsyncGenerator<ChatEvent>, abort: AbortController): Response {
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        for await (const event of events) controller.enqueue(encodeEvent(event));
      } catch {
        // The listener left; nothing to clean up beyond the poll loop, which the abort ends.
      } finally {
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      }
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(stream, { headers: SSE_HEADERS });
}
