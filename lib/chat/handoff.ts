import 'server-only';
import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import type { AuditDrainer } from '@/lib/audit/drainer';
import { edgeLimit, type LimitDeps } from '@/lib/chat/limits';
import type { ConversationStore } from '@/lib/conversation/store';
import { ApiError } from '@/lib/errors';
import { conversationView } from '@/lib/handoff/machine';
import { handoffNotice } from '@/lib/handoff/notice';
import type { Presence } from '@/lib/handoff/presence';
import { type EdgeServices, endpointFor } from '@/lib/http/endpoint';
import { sessionIdSchema } from '@/lib/session-id';

/** A customer asking for a person, and an open widget waiting for what the person does. */
export interface HandoffServices extends EdgeServices, LimitDeps {
  memory: Pick<ConversationStore, 'changeState' | 'readState'>;
  presence: Presence;
  /** Serverless: the change reaches the inbox through a drain pass after the response. */
  drainer: Pick<AuditDrainer, 'drainOnce'>;
}

const endpoint = endpointFor<HandoffServices>();

const handoffRequestSchema = z.strictObject({ sessionId: sessionIdSchema });

function memoryUnavailable(): ApiError {
  return new ApiError(503, 'memory_unavailable', 'We could not reach a person just now. Please try again in a moment.', {
    'retry-after': '2',
  });
}

/**
 * POST /api/chat/handoff {sessionId}: the customer's "Talk to a person". The conversation waits for
 * an agent (the model is not called again until one hands it back) and the customer is told what
 * happens next: the deployment's handover words when an agent is online, its off-hours words when
 * nobody is. Asking again changes nothing. Counted with the widget's other requests about its
 * conversation (MESSAGES_PER_IP_PER_MINUTE).
 */
export const handleHandoff = endpoint(
  {
    auth: { kind: 'customer' },
    body: { schema: handoffRequestSchema, maxBytes: 1024, wording: { expected: '{"sessionId": string} and nothing else' } },
    limit: edgeLimit('messages'),
  },
  async ({ runtime, defer, body: { sessionId } }) => {
    const outcome = await runtime.memory.changeState({
      sessionId,
      action: { kind: 'request', reason: 'customer_asked' },
      actor: { kind: 'customer' },
      auditId: uuidv7(),
      now: new Date(),
    });
    if (outcome.kind === 'unavailable' || outcome.kind === 'refused') throw memoryUnavailable();
    // No drain loop runs on serverless: the agents' inbox must not wait for the cron.
    if (runtime.config.serverless) defer(runtime.drainer.drainOnce(2));
    const { notice, agentsOnline } = await handoffNotice(runtime.presence, runtime.config.handoff);
    return Response.json(
      { conversation: conversationView(outcome.state), notice, agentsOnline },
      { headers: { 'cache-control': 'no-store' } },
    );
  },
);

/** How long one wait for news lasts before the widget asks again (well inside any platform's function limit). */
export const UPDATES_WAIT_MS = 20_000;
/** How often a wait looks at the conversation's version: one small read per open widget per interval. */
export const UPDATES_POLL_MS = 1_000;

const updatesRequestSchema = z.strictObject({ sessionId: sessionIdSchema, after: z.number().int().nonnegative() });

/**
 * POST /api/session/updates {sessionId, after}: answers as soon as the conversation's version moves
 * past `after` (an agent wrote, took over, handed back…), else after UPDATES_WAIT_MS, with the
 * version and who answers now; the widget then reloads its messages. It works the same on every
 * instance and on serverless (the version lives in memory, not in this process), and the widget asks
 * only while a person is asked for or has the conversation.
 */
export const handleUpdates = endpoint(
  {
    auth: { kind: 'customer' },
    body: {
      schema: updatesRequestSchema,
      maxBytes: 1024,
      wording: { expected: '{"sessionId": string, "after": number} and nothing else' },
    },
    limit: edgeLimit('messages'),
  },
  async ({ request, runtime, body: { sessionId, after } }) => {
    const deadline = Date.now() + UPDATES_WAIT_MS;
    for (;;) {
      const held = await runtime.memory.readState(sessionId);
      if (!held) throw memoryUnavailable();
      const timeUp = Date.now() + UPDATES_POLL_MS > deadline;
      if (held.eventSeq > after || timeUp || request.signal.aborted) {
        return Response.json(
          { version: held.eventSeq, conversation: conversationView(held.snapshot) },
          { headers: { 'cache-control': 'no-store' } },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, UPDATES_POLL_MS));
    }
  },
);
