import { z } from 'zod';
import { logAccess } from '@/lib/admin/access-log';
import { adminRoute, parseInput } from '@/lib/admin/api';
import { getTurnPrompt } from '@/lib/admin/prompt';
import { ApiError } from '@/lib/errors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * GET /api/admin/turns/{auditId}/prompt: the exact messages the model saw, fetched when the panel
 * opens. It shows the remembered history of the conversation, so each view is in the access log.
 */
export const GET = adminRoute<{ auditId: string }>({ role: 'agent', mutation: false }, async ({ params, db, agent }) => {
  const auditId = parseInput(z.uuid(), params.auditId);
  const prompt = await getTurnPrompt(db, auditId);
  if (!prompt) throw new ApiError(404, 'not_found', 'No such turn.');
  await logAccess(db, agent, 'view_prompt', {
    sessionId: prompt.sessionRef,
    auditId,
    detail: { messages: prompt.messages.length, contextAuditIds: prompt.contextAuditIds },
  });
  return Response.json(prompt);
});
