import { createFlag, flagRequestSchema, reviewAnswer } from '@/lib/admin/review';
import { requireSessionId } from '@/lib/admin/session-lookup';
import { ADMIN_BODY_MAX_BYTES, endpoint } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST /api/admin/flags {session: ref, auditId?, reason}: flags a turn, or the whole session. */
const createFlagEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'agent', mutation: true, action: 'flag' },
    body: { schema: flagRequestSchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ body: { session, ...input }, db, agent }) =>
    reviewAnswer(await createFlag(db, agent, { ...input, sessionId: await requireSessionId(db, session) }), 201),
);

export const { POST } = serve('/api/admin/flags', { POST: createFlagEndpoint });
