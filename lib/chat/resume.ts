import { z } from 'zod';
import { clientKey, clientOptionsOf } from '@/lib/security/client-info';
import type { ChatEvent } from '@/lib/chat/events';
import { enforceLimits, type LimitDeps } from '@/lib/chat/limits';
import type { LiveReplyHub, StreamSlots } from '@/lib/chat/live-reply';
import { encodeEvent, SSE_HEADERS } from '@/lib/chat/sse';
import { ApiError } from '@/lib/errors';
import { assertIssuedSessionId, type SessionPolicy } from '@/lib/http/session';
import { type BodySpec, type EdgeServices, endpointFor, readBody } from '@/lib/http/endpoint';
import { edgeChecks } from '@/lib/rate-limit/rules';
import { sessionIdSchema } from '@/lib/session-id';

/** Following a reply takes a stream slot and a seat at the live reply's one feed. */
export interface ResumeServices extends EdgeServices, LimitDeps {
  resumeSlots: StreamSlots;
  liveReplyHub: LiveReplyHub;
}

const endpoint = endpointFor<ResumeServices>();

/** The reply to follow: the session id travels in the body (a bearer key never goes into a URL). */
const resumeBody = {
  schema: z.strictObject({ sessionId: sessionIdSchema, auditId: z.uuid() }),
  maxBytes: 2048,
  wording: { expected: '{"sessionId": string, "auditId": uuid} and nothing else' },
} satisfies BodySpec<{ sessionId: string; auditId: string }>;

/** What the endpoint below reads before its limit, as one call (the session gate included). */
export async function parseResumeRequest(
  request: Request,
  sessions: SessionPolicy,
): Promise<{ sessionId: string; auditId: string }> {
  const body = await readBody(request, resumeBody, resumeBody.maxBytes);
  assertIssuedSessionId(body.sessionId, sessions);
  return body;
}

/** How long a client refused for too many open streams should wait: about one short reply. */
const BUSY_RETRY_SECONDS = 5;

/** POST /api/chat/resume {sessionId, auditId}: SSE of a reply still streaming, from its start. */
export const handleResume = endpoint(
  {
    auth: { kind: 'customer' },
    body: resumeBody,
    // Only valid requests count, like the chat's limits; then the streams open at once.
    limit: {
      check: (request, runtime) =>
        enforceLimits(
          runtime,
          edgeChecks(runtime.config.limits, 'resume', clientKey(request, clientOptionsOf(runtime.config))),
        ),
    },
  },
  async ({ request, runtime, body: { sessionId, auditId } }) => {
    const { config } = runtime;
    const address = clientKey(request, clientOptionsOf(config));
    const release = runtime.resumeSlots.tryAcquire([
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
    const events = tailLiveReply(
      runtime.liveReplyHub,
      sessionId,
      auditId,
      { pollMs: 200, maxMs: 120_000 },
      abort.signal,
    );
    return resumeResponse(events, abort, release);
  },
);

export interface TailOptions {
  pollMs: number;
  /** The longest a resume may run: a reply's buffer lives about this long anyway. */
  maxMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * The events of a reply being resumed: `meta`, the text so far as one `delta`, then each new piece
 * as it lands, until it ends (`done`/`error`) or disappears (`error` `resume_lost`, after which the
 * client reads the conversation from memory). Every watcher of one reply on this instance shares one
 * feed (LiveReplyHub): memory when the turn runs here, else one store read per `pollMs`.
 */
export async function* tailLiveReply(
  hub: LiveReplyHub,
  sessionId: string,
  auditId: string,
  options: TailOptions,
  signal?: AbortSignal,
): AsyncGenerator<ChatEvent> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.maxMs;
  const subscription = hub.watch(sessionId, auditId, { pollMs: options.pollMs, sleep: options.sleep });
  let sent = 0;
  let started = false;
  try {
    while (!signal?.aborted) {
      const live = await subscription.next(Date.now() + Math.max(0, deadline - now()), signal);
      if (live === undefined) {
        if (signal?.aborted) return;
        if (now() >= deadline) {
          yield { event: 'error', data: { code: 'resume_lost', message: 'The reply could not be resumed.' } };
          return;
        }
        continue;
      }
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
        yield {
          event: 'error',
          data: live.error ?? { code: 'model_unavailable', message: 'The answer was interrupted.' },
        };
        return;
      }
    }
  } finally {
    subscription.close();
  }
}

export function resumeResponse(
  events: AsyncGenerator<ChatEvent>,
  abort: AbortController,
  release: () => void = () => {},
): Response {
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        for await (const event of events) controller.enqueue(encodeEvent(event));
      } catch {
        // The listener left; nothing to clean up beyond the poll loop, which the abort ends.
      } finally {
        release();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      }
    },
    cancel() {
      release();
      abort.abort();
    },
  });
  return new Response(stream, { headers: SSE_HEADERS });
}
