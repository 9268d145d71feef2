import 'server-only';
import type { ChatEvent, ChatJsonResponse } from '@/lib/chat/events';
import { clientInfo, clientKey, clientOptionsOf } from '@/lib/security/client-info';
import { chatChecks } from '@/lib/rate-limit/rules';
import { checkChatText, chatRequestSchema, chatRequestWording, maxBodyBytes } from '@/lib/chat/request';
import { encodeEvent, SSE_HEADERS } from '@/lib/chat/sse';
import { v7 as uuidv7 } from 'uuid';
import type { AuditDrainer } from '@/lib/audit/drainer';
import { createLiveReplyTee, type LiveReplyHub } from '@/lib/chat/live-reply';
import type { StopRegistry } from '@/lib/chat/stops';
import { startTurn, type TurnDeps } from '@/lib/chat/turn';
import type { ConversationStore } from '@/lib/conversation/store';
import { type EdgeServices, endpointFor } from '@/lib/http/endpoint';
import type { Presence } from '@/lib/handoff/presence';
import type { ModelClient } from '@/lib/model/types';
import { errorFields, log } from '@/lib/observability/log';

/** What a turn uses of the runtime. */
export interface ChatServices extends EdgeServices {
  memory: ConversationStore;
  model: ModelClient;
  stops: StopRegistry;
  /** Serverless: each turn moves the audit along after its response. */
  drainer: Pick<AuditDrainer, 'drainOnce'>;
  liveReplyHub: LiveReplyHub;
  /** Whether anyone from the support team is online (what a customer asking for a person is told). */
  presence: Presence;
}

const endpoint = endpointFor<ChatServices>();

/** The orchestrator's dependencies, from the runtime's services and the settings in its config. */
export function turnDeps(services: Pick<ChatServices, 'config' | 'memory' | 'model' | 'stops' | 'presence'>, defer: TurnDeps['defer']): TurnDeps {
  const { config } = services;
  return {
    conversation: services.memory,
    model: services.model,
    stops: services.stops,
    settings: {
      systemPrompt: config.prompt.systemPrompt,
      limits: {
        maxTurns: config.memory.maxTurns,
        maxContextTokens: config.prompt.maxContextTokens,
        messageMaxChars: config.prompt.messageMaxChars,
      },
      lockWaitMs: config.memory.lockWaitMs,
      leaseMs: config.memory.leaseMs,
      summary: { enabled: config.memory.summary, maxTokens: config.memory.summaryMaxTokens },
      handoff: config.handoff,
    },
    presence: services.presence,
    now: () => new Date(),
    newAuditId: () => uuidv7(),
    defer,
  };
}

/**
 * POST /api/chat. Everything is validated before anything is loaded or stored. The turn runs to its
 * end even if the browser goes away mid-stream (the exchange is remembered and audited, so a reload
 * shows it); only the listener is dropped.
 */
export const handleChat = endpoint(
  {
    auth: { kind: 'customer' },
    body: {
      schema: chatRequestSchema,
      maxBytes: (config) => maxBodyBytes(config.prompt.messageMaxChars),
      wording: chatRequestWording,
    },
    validate: (body, runtime) => checkChatText(body, { messageMaxChars: runtime.config.prompt.messageMaxChars }),
  },
  async ({ request, runtime, input, defer }) => {
    const { config } = runtime;
    const deps = turnDeps(runtime, defer);
    // Per client address across sessions, and the deployment's model-call budget: counted in the
    // turn's begin (one round trip), so only valid requests count (garbage is refused above).
    const limits = chatChecks(config.limits, clientKey(request, clientOptionsOf(config)));
    const turn = await startTurn({ ...input, client: clientInfo(request, clientOptionsOf(config)), limits }, deps);
    // Serverless instances run no drain loop: each turn moves the audit along after its response.
    if (config.serverless) defer(runtime.drainer.drainOnce(2));
    if (wantsJson(request)) return await jsonAnswer(turn.run);
    // The streamed reply is also kept for its short life, so a reloaded page can resume it.
    return streamAnswer(turn.run, defer, createLiveReplyTee(runtime.liveReplyHub, input.sessionId, input.text));
  },
);

function wantsJson(request: Request): boolean {
  const accept = request.headers.get('accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/event-stream');
}

type Run = (emit: (event: ChatEvent) => void) => Promise<void>;

async function jsonAnswer(run: Run): Promise<Response> {
  const answer: ChatJsonResponse = {
    reply: '',
    auditId: '',
    memory: 'new',
    notice: null,
    replay: false,
    remembered: false,
  };
  let failure: { code: string; message: string } | null = null;
  await run((event) => {
    if (event.event === 'meta') Object.assign(answer, event.data);
    else if (event.event === 'done') {
      Object.assign(answer, {
        auditId: event.data.auditId,
        reply: event.data.reply,
        remembered: event.data.remembered,
      });
      if (event.data.replay) answer.replay = true;
      if (event.data.stopped) answer.stopped = true;
    } else if (event.event === 'error') failure = event.data;
  });
  if (failure) {
    const { code, message } = failure;
    // The model failed, not the request: 502, with the audit id so support can find the turn.
    return Response.json({ error: { code, message }, auditId: answer.auditId }, { status: 502 });
  }
  return Response.json(answer, { headers: { 'cache-control': 'no-store' } });
}

function streamAnswer(run: Run, defer: TurnDeps['defer'], tee: (event: ChatEvent) => void): Response {
  let open = true;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const emit = (event: ChatEvent) => {
        tee(event);
        if (!open) return;
        try {
          controller.enqueue(encodeEvent(event));
        } catch {
          open = false;
        }
      };
      const done = run(emit)
        .catch((error: unknown) => {
          log.error('turn crashed', errorFields(error));
          emit({
            event: 'error',
            data: { code: 'internal_error', message: 'Something went wrong on our side. Please try again.' },
          });
        })
        .finally(() => {
          if (open) {
            open = false;
            controller.close();
          }
        });
      // The platform keeps the function alive until the turn is stored, even after a disconnect.
      defer(done);
    },
    cancel() {
      open = false;
    },
  });
  return new Response(stream, { headers: SSE_HEADERS });
}
