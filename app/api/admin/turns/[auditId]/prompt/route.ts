import { z } from 'zod';
import { adminRoute, parseInput } from '@/lib/admin/api';
import { getTurnPrompt } from '@/lib/admin/prompt';
import { ApiError } from '@/lib/errors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET /api/admin/turns/{auditId}/prompt: the exact messages the model saw, fetched when the panel opens. */
export const GET = adminRoute<{ auditId: string }>({ role: 'agent', mutation: false }, async ({ params, db }) => {
  const auditId = parseInput(z.uuid(), params.auditId);
  const prompt = await getTurnPrompt(db, auditId);
  if (!prompt) throw new ApiError(404, 'not_found', 'No such turn.');
  return Response.json(prompt);
});
