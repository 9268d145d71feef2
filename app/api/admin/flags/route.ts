import { adminRoute, readBody } from '@/lib/admin/api';
import { createFlag, newFlagSchema } from '@/lib/admin/review';
import { ApiError } from '@/lib/errors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST /api/admin/flags {sessionId, auditId?, reason}: flags a turn, or the whole session. */
export const POST = adminRoute({ role: 'agent', mutation: true }, async ({ request, db, agent }) => {
  const input = await readBody(request, newFlagSchema);
  const outcome = await createFlag(db, agent, input);
  if (outcome.kind === 'not_found') throw new ApiError(404, 'not_found', `No such ${outcome.what}.`);
  return Response.json(outcome.value, { status: 201 });
});
