import { z } from 'zod';
import { deleteSession } from '@/lib/admin/delete';
import { requireSessionId, sessionRefSchema } from '@/lib/admin/session-lookup';
import { ApiError } from '@/lib/errors';
import type { ConversationStore } from '@/lib/conversation/store';
import { ADMIN_BODY_MAX_BYTES, type EdgeServices, endpointFor } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The caller repeats the conversation's reference: a stray or replayed request cannot delete by accident. */
const bodySchema = z.strictObject({ confirm: z.string() });

/** Deleting a conversation also removes its memory. */
const endpoint = endpointFor<EdgeServices & { memory: Pick<ConversationStore, 'remove'> }>();

/** DELETE /api/admin/sessions/{ref}: admins only; removes audit rows and Redis memory, logs who did it. */
const deleteSessionEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'admin', mutation: true, action: 'delete_session' },
    param: sessionRefSchema,
    body: { schema: bodySchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ param: ref, body: { confirm }, db, runtime, agent }) => {
    if (confirm !== ref) throw new ApiError(400, 'invalid_request', 'confirm: must repeat the conversation reference.');
    const sessionId = await requireSessionId(db, ref);
    const outcome = await deleteSession(db, runtime.memory, agent, sessionId);
    if (outcome.kind === 'not_found') throw new ApiError(404, 'not_found', 'No such session.');
    if (outcome.kind === 'memory_unavailable') {
      throw new ApiError(
        503,
        'internal_error',
        'The memory store is unreachable, so nothing was deleted. Try again shortly.',
      );
    }
    return Response.json({ deleted: ref, turns: outcome.turns });
  },
);

export const { DELETE } = serve('/api/admin/sessions/[ref]', { DELETE: deleteSessionEndpoint });
