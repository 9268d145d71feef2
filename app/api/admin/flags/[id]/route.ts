import { z } from 'zod';
import { adminRoute, parseInput, readBody } from '@/lib/admin/api';
import { resolveFlag } from '@/lib/admin/review';
import { ApiError } from '@/lib/errors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const bodySchema = z.strictObject({ resolved: z.literal(true) });

/** PATCH /api/admin/flags/{id} {"resolved": true}: closes a flag; it stays in the history. */
export const PATCH = adminRoute<{ id: string }>({ role: 'agent', mutation: true, action: 'resolve_flag' }, async ({ request, params, db, agent }) => {
  const flagId = parseInput(z.uuid(), params.id);
  await readBody(request, bodySchema);
  const outcome = await resolveFlag(db, agent, flagId);
  if (outcome.kind === 'not_found') throw new ApiError(404, 'not_found', 'No such flag.');
  return Response.json(outcome.value);
});
