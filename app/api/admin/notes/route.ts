import { addNote, noteRequestSchema, reviewAnswer } from '@/lib/admin/review';
import { requireSessionId } from '@/lib/admin/session-lookup';
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
  async ({ body: { session, ...input }, db, agent }) =>
    reviewAnswer(await addNote(db, agent, { ...input, sessionId: await requireSessionId(db, session) }), 201),
);

export const { POST } = serve('/api/admin/notes', { POST: addNoteEndpoint });
