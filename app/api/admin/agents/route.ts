import { z } from 'zod';
import { logAccess } from '@/lib/auth/access-log';
import { agentNameSchema, createAgent, emailSchema, passwordSchema, roleSchema } from '@/lib/auth/agents';
import { ApiError } from '@/lib/errors';
import { ADMIN_BODY_MAX_BYTES, endpoint } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const bodySchema = z.strictObject({
  email: emailSchema,
  name: agentNameSchema.nullish(),
  role: roleSchema,
  /** Omit for an agent who will only sign in through an OAuth/OIDC provider. */
  password: passwordSchema.optional(),
});

/** POST /api/admin/agents: admins create agents and admins. */
const createAgentEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'admin', mutation: true, action: 'agent_create' },
    body: { schema: bodySchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ body: input, db, agent }) => {
    const created = await createAgent(db, { ...input, name: input.name ?? null });
    if (!created) throw new ApiError(400, 'invalid_request', 'email: an agent with this e-mail already exists.');
    await logAccess(db, agent, 'agent_create', {
      detail: { agentId: created.id, email: created.email, role: created.role },
    });
    return Response.json({ id: created.id, email: created.email, role: created.role }, { status: 201 });
  },
);

export const { POST } = serve('/api/admin/agents', { POST: createAgentEndpoint });
