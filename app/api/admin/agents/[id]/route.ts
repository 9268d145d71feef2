import { z } from 'zod';
import { logAccess } from '@/lib/auth/access-log';
import { agentNameSchema, passwordSchema, roleSchema, updateAgent } from '@/lib/auth/agents';
import { ApiError } from '@/lib/errors';
import { ADMIN_BODY_MAX_BYTES, endpoint } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const bodySchema = z
  .strictObject({
    name: agentNameSchema.nullable().optional(),
    role: roleSchema.optional(),
    disabled: z.boolean().optional(),
    password: passwordSchema.optional(),
    signOutEverywhere: z.literal(true).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');

/** PATCH /api/admin/agents/{id}: role, name, disable/enable, new password, sign out everywhere. */
const updateAgentEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'admin', mutation: true, action: 'agent_update' },
    param: z.uuid(),
    body: { schema: bodySchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ param: agentId, body: changes, db, agent }) => {
    const outcome = await updateAgent(db, agentId, changes);
    if (outcome.kind === 'not_found') throw new ApiError(404, 'not_found', 'No such agent.');
    if (outcome.kind === 'last_admin') {
      throw new ApiError(400, 'invalid_request', 'This is the last enabled admin: promote someone else first.');
    }
    const { password, signOutEverywhere, ...logged } = changes;
    if (Object.keys(logged).length > 0 || password !== undefined) {
      await logAccess(db, agent, 'agent_update', {
        detail: {
          agentId,
          email: outcome.agent.email,
          ...logged,
          ...(password !== undefined ? { password: 'changed' } : {}),
        },
      });
    }
    if (outcome.sessionsRevoked > 0 || signOutEverywhere) {
      await logAccess(db, agent, 'agent_sessions_revoked', {
        detail: { agentId, email: outcome.agent.email, sessions: outcome.sessionsRevoked },
      });
    }
    return Response.json(outcome.agent);
  },
);

export const { PATCH } = serve('/api/admin/agents/[id]', { PATCH: updateAgentEndpoint });
