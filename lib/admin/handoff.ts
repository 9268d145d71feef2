import 'server-only';
import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import { requireSessionId, sessionRefSchema } from '@/lib/admin/session-lookup';
import type { AuditDrainer } from '@/lib/audit/drainer';
import { logAccess } from '@/lib/auth/access-log';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { AgentMessageOutcome, ConversationStore, StateChangeOutcome } from '@/lib/conversation/store';
import type { AccessAction } from '@/lib/db/schema';
import { ApiError } from '@/lib/errors';
import { type Actor, type HandoffAction, type RefusalCode, conversationView } from '@/lib/handoff/machine';
import { ADMIN_BODY_MAX_BYTES, type EdgeServices, endpointFor } from '@/lib/http/endpoint';

/**
 * An agent stepping into a conversation from /admin: take it over, write in it, hand it back to the
 * assistant, resolve it. Each goes through the conversation store (one atomic change with its audit
 * entry; of two agents at once one wins, the other hears who), and each success is in the access log.
 * The conversation is named by its reference, which is all an agent ever sees of it.
 */
export interface HandoffAdminServices extends EdgeServices {
  memory: Pick<ConversationStore, 'changeState' | 'appendAgentMessage'>;
  /** Serverless: a change reaches the inbox and transcripts through a drain pass after the response. */
  drainer: Pick<AuditDrainer, 'drainOnce'>;
}

const endpoint = endpointFor<HandoffAdminServices>();

/** The agent as the customer and other agents see them: their name, else their e-mail's name part (never the address). */
export function agentActor(agent: AgentIdentity): Extract<Actor, { kind: 'agent' }> {
  const name = agent.name?.trim() || agent.email.split('@')[0] || 'Support';
  return { kind: 'agent', role: agent.role, id: agent.id, name };
}

const REFUSALS: Record<RefusalCode, { status: number; message: (owner: string | null) => string }> = {
  conversation_taken: { status: 409, message: (owner) => `${owner ?? 'Another agent'} is already answering this conversation.` },
  not_owner: { status: 409, message: (owner) => `${owner ?? 'Another agent'} has this conversation: only they can do that.` },
  conversation_resolved: {
    status: 409,
    message: () => 'This conversation is resolved. It opens again when the customer writes.',
  },
  invalid_state: { status: 409, message: () => 'This conversation is not with a person right now.' },
  forbidden: { status: 403, message: () => 'Agents cannot do that.' },
};

function refusal(outcome: Extract<StateChangeOutcome | AgentMessageOutcome, { kind: 'refused' }>): ApiError {
  const { status, message } = REFUSALS[outcome.code];
  const owner = outcome.owner ? { name: outcome.owner.name } : undefined;
  return new ApiError(status, outcome.code, message(owner?.name ?? null), {}, owner);
}

function unreachable(): ApiError {
  return new ApiError(503, 'memory_unavailable', 'The conversation store is unreachable, so nothing changed. Try again shortly.', {
    'retry-after': '2',
  });
}

/** One state change by the signed-in agent, as a route: the new state, or the refusal with who has it. */
function stateEndpoint(action: HandoffAction, logged: AccessAction) {
  return endpoint(
    { auth: { kind: 'agent', role: 'agent', mutation: true, action: logged }, param: sessionRefSchema },
    async ({ param: ref, db, agent, runtime, defer }) => {
      const sessionId = await requireSessionId(db, ref);
      const outcome = await runtime.memory.changeState({
        sessionId,
        action,
        actor: agentActor(agent),
        auditId: uuidv7(),
        now: new Date(),
      });
      if (outcome.kind === 'unavailable') throw unreachable();
      if (outcome.kind === 'refused') throw refusal(outcome);
      if (outcome.kind === 'changed') {
        await logAccess(db, agent, logged, { sessionId, detail: { state: outcome.state.state } });
        // No drain loop runs on serverless: other agents' inboxes must not wait for the cron.
        if (runtime.config.serverless) defer(runtime.drainer.drainOnce(2));
      }
      return Response.json({ conversation: conversationView(outcome.state) });
    },
  );
}

/** POST /api/admin/sessions/{ref}/take-over: the conversation is mine (from the queue, or from the assistant). */
export const takeOverEndpoint = stateEndpoint({ kind: 'take_over' }, 'take_over');
/** POST /api/admin/sessions/{ref}/hand-back: the assistant answers again (its owner, or an admin). */
export const handBackEndpoint = stateEndpoint({ kind: 'hand_back' }, 'hand_back');
/** POST /api/admin/sessions/{ref}/resolve: done; it opens again when the customer writes. */
export const resolveEndpoint = stateEndpoint({ kind: 'resolve' }, 'resolve_conversation');

/** Longest agent message: the customer's own limit is the deployment's; an agent's is this. */
export const AGENT_MESSAGE_MAX_CHARS = 4000;

const messageSchema = z.strictObject({
  // Kept exactly as written; only a message with nothing in it is refused.
  text: z
    .string()
    .max(AGENT_MESSAGE_MAX_CHARS)
    .refine((text) => text.trim() !== '', 'write something'),
});

/** POST /api/admin/sessions/{ref}/messages {text}: the owning agent writes to the customer. */
export const agentMessageEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'agent', mutation: true, action: 'agent_message' },
    param: sessionRefSchema,
    body: { schema: messageSchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ param: ref, body: { text }, db, agent, runtime, defer }) => {
    const sessionId = await requireSessionId(db, ref);
    const auditId = uuidv7();
    const outcome = await runtime.memory.appendAgentMessage({ sessionId, agent: agentActor(agent), text, auditId, now: new Date() });
    if (outcome.kind === 'unavailable') throw unreachable();
    if (outcome.kind === 'refused') throw refusal(outcome);
    // The text is in the audit; the access log records that it was written.
    await logAccess(db, agent, 'agent_message', { sessionId, detail: { messageId: auditId } });
    if (runtime.config.serverless) defer(runtime.drainer.drainOnce(2));
    return Response.json({ auditId }, { status: 201 });
  },
);
