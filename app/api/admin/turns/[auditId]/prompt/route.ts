import { z } from 'zod';
import { logAccess } from '@/lib/auth/access-log';
import { getTurnPrompt } from '@/lib/admin/prompt';
import { ApiError } from '@/lib/errors';
import { endpoint } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * GET /api/admin/turns/{auditId}/prompt: the exact messages the model saw, fetched when the panel
 * opens. It shows the remembered history of the conversation, so each view is in the access log.
 */
const turnPrompt = endpoint(
  { auth: { kind: 'agent', role: 'agent', mutation: false }, param: z.uuid() },
  async ({ param: auditId, db, agent }) => {
    const prompt = await getTurnPrompt(db, auditId);
    if (!prompt) throw new ApiError(404, 'not_found', 'No such turn.');
    await logAccess(db, agent, 'view_prompt', {
      sessionId: prompt.sessionRef,
      auditId,
      detail: { messages: prompt.messages.length, contextAuditIds: prompt.contextAuditIds },
    });
    return Response.json(prompt);
  },
);

export const { GET } = serve('/api/admin/turns/[auditId]/prompt', { GET: turnPrompt });
