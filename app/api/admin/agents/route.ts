import { z } from 'zod';
import { logAccess } from '@/lib/admin/access-log';
import { adminRoute, readBody } from '@/lib/admin/api';
import { agentNameSchema, createAgent, emailSchema, passwordSchema, roleSchema } from '@/lib/auth/agents';
import { ApiError } from '@/lib/errors';

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
export const POST = adminRoute({ role: 'admin', mutation: true, action: 'agent_create' }, async ({ request, db, agent }) => {
  const input = await readBody(request, bodySchema);
  const created = await createAgent(db, { ...input, name: input.name ?? null });
  if (!created) throw new ApiError(400, 'invalid_request', 'email: an agent with this e-mail already exists.');
  await logAccess(db, agent, 'agent_create', { detail: { agentId: created.id, email: created.email, role: created.role } });
  return Response.json({ id: created.id, email: created.email, role: created.role }, { status: 201 });
});
