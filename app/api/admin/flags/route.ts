import { adminRoute, readBody } from '@/lib/admin/api';
import { createFlag, flagRequestSchema } from '@/lib/admin/review';
import { sessionIdForRef } from '@/lib/admin/session-lookup';
import { ApiError } from '@/lib/errors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST /api/admin/flags {session: ref, auditId?, reason}: flags a turn, or the whole session. */
export const POST = adminRoute({ role: 'agent', mutation: true, action: 'flag' }, async ({ request, db, agent }) => {
  const { session, ...input } = await readBody(request, flagRequestSchema);
  const sessionId = await sessionIdForRef(db, session);
  if (!sessionId) throw new ApiError(404, 'not_found', 'No such session.');
  const outcome = await createFlag(db, agent, { ...input, sessionId });
  if (outcome.kind === 'not_found') throw new ApiError(404, 'not_found', `No such ${outcome.what}.`);
  return Response.json(outcome.value, { status: 201 });
});
