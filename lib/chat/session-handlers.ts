import 'server-only';
import { z } from 'zod';
import { clientKey, clientOptionsOf } from '@/lib/security/client-info';
import { edgeLimit, enforceLimits, type LimitDeps } from '@/lib/chat/limits';
import type { StopRegistry } from '@/lib/chat/stops';
import type { ConversationStore } from '@/lib/conversation/store';
import { type EdgeServices, endpointFor } from '@/lib/http/endpoint';
import { errorFields, log } from '@/lib/observability/log';
import { sessionCreateChecks } from '@/lib/rate-limit/rules';
import { sessionIdSchema } from '@/lib/session-id';
import { issueSession } from '@/lib/identity/issue';
import { readCreateSessionRequest } from '@/lib/identity/session-request';

/** Issuing an id notes it in memory; a stop reaches the running turn here or through memory. */
export interface SessionServices extends EdgeServices, LimitDeps {
  memory: Pick<ConversationStore, 'register' | 'requestStop'>;
  stops: StopRegistry;
}

const endpoint = endpointFor<SessionServices>();

/**
 * POST /api/session: a signed id. With no body, a fresh anonymous conversation; with the host site's
 * signed token (`{"userToken"}`), that customer's own conversation, the same on every device
 * (lib/identity). Memory notes a conversation nobody has used yet as new (so its first message needs
 * no durable lookup); if memory is down the id is still issued: the first turn asks the audit instead.
 */
export const handleCreateSession = endpoint(
  {
    auth: { kind: 'public' },
    // Token requests count too: the per-address limit is also what slows down guessing at tokens.
    limit: {
      countsInvalid: true,
      check: (request, runtime) =>
        enforceLimits(
          runtime,
          sessionCreateChecks(runtime.config.limits, clientKey(request, clientOptionsOf(runtime.config))),
        ),
    },
  },
  async ({ request, runtime }) => {
    const { config } = runtime;
    const now = new Date();
    // An empty body is today's anonymous request, so the body is the identity reader's, not a schema's.
    const input = await readCreateSessionRequest(request);
    const issued = await issueSession(
      {
        sessionSecret: config.sessionSecret,
        identity: config.identity,
        database: async () => (await runtime.database()).db,
      },
      input,
      now,
    );
    const { sessionId } = issued;
    // A verified conversation already in use keeps its counter: registering it again after memory
    // expired would restart its turn numbers under the audit's.
    if (issued.fresh) {
      await runtime.memory.register(sessionId).catch((error: unknown) => {
        log.warn('new session not registered in memory', errorFields(error));
      });
    }
    const expiresAt = new Date(now.getTime() + config.memory.ttlSeconds * 1000).toISOString();
    return Response.json(
      { sessionId, expiresAt, identity: issued.identity },
      { status: 201, headers: { 'cache-control': 'no-store' } },
    );
  },
);

const stopRequestSchema = z.strictObject({ sessionId: sessionIdSchema, auditId: z.uuid() });

/**
 * POST /api/chat/stop {sessionId, auditId}: the customer stops a reply that is streaming. The reply
 * so far is kept and the turn is audited as `aborted`. Reaches the turn at once when it runs in this
 * process, else through memory (the running turn reads it when it renews its lease, within ~1 s).
 */
export const handleStop = endpoint(
  {
    auth: { kind: 'customer' },
    body: {
      schema: stopRequestSchema,
      maxBytes: 1024,
      wording: { expected: '{"sessionId": string, "auditId": string} and nothing else' },
    },
    // Per address; only valid requests count, like the chat's limits.
    limit: edgeLimit('stop'),
  },
  async ({ runtime, body: { sessionId, auditId } }) => {
    if (!runtime.stops.stop(auditId, sessionId)) await runtime.memory.requestStop(sessionId, auditId);
    return Response.json({ stopped: true }, { status: 202, headers: { 'cache-control': 'no-store' } });
  },
);
