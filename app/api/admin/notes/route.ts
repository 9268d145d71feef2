import { adminRoute, readBody } from '@/lib/admin/api';
import { addNote, noteRequestSchema } from '@/lib/admin/review';
import { sessionIdForRef } from '@/lib/admin/session-lookup';
import { ApiError } from '@/lib/errors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST /api/admin/notes {session: ref, auditId?, body}: an internal note, never shown to the customer. */
export const POST = adminRoute({ role: 'agent', mutation: true, action: 'note' }, async ({ request, db, agent }) => {
  const { session, ...input } = await readBody(request, noteRequestSchema);
  const sessionId = await sessionIdForRef(db, session);
  if (!sessionId) throw new ApiError(404, 'not_found', 'No such session.');
  const outcome = await addNote(db, agent, { ...input, sessionId });
  if (outcome.kind === 'not_found') throw new ApiError(404, 'not_found', `No such ${outcome.what}.`);
  return Response.json(outcome.value, { status: 201 });
});
