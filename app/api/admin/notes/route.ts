import { adminRoute, readBody } from '@/lib/admin/api';
import { addNote, newNoteSchema } from '@/lib/admin/review';
import { ApiError } from '@/lib/errors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST /api/admin/notes {sessionId, auditId?, body}: an internal note, never shown to the customer. */
export const POST = adminRoute({ role: 'agent', mutation: true }, async ({ request, db, agent }) => {
  const input = await readBody(request, newNoteSchema);
  const outcome = await addNote(db, agent, input);
  if (outcome.kind === 'not_found') throw new ApiError(404, 'not_found', `No such ${outcome.what}.`);
  return Response.json(outcome.value, { status: 201 });
});
