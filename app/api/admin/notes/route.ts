import { addNote, noteRequestSchema } from '@/lib/admin/review';
import { sessionIdForRef } from '@/lib/admin/session-lookup';
import { ApiError } from '@/lib/errors';
import { ADMIN_BODY_MAX_BYTES, endpoint } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST /api/admin/notes {session: ref, auditId?, body}: an internal note, never shown to the customer. */
const addNoteEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'agent', mutation: true, action: 'note' },
    body: { schema: noteRequestSchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ body: { session, ...input }, db, agent }) => {
    const sessionId = await sessionIdForRef(db, session);
    if (!sessionId) throw new ApiError(404, 'not_found', 'No such session.');
    const outcome = await addNote(db, agent, { ...input, sessionId });
    if (outcome.kind === 'not_found') throw new ApiError(404, 'not_found', `No such ${outcome.what}.`);
    return Response.json(outcome.value, { status: 201 });
  },
);

export const { POST } = serve('/api/admin/notes', { POST: addNoteEndpoint });
