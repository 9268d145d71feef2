import { adminRoute, parseInput } from '@/lib/admin/api';
import { transcriptVersion, versionResponse } from '@/lib/admin/live';
import { sessionIdForRef, sessionRefSchema } from '@/lib/admin/session-lookup';
import { ApiError } from '@/lib/errors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET /api/admin/sessions/{ref}/live: an open transcript's version (ETag; 304 when unchanged). */
export const GET = adminRoute<{ ref: string }>({ role: 'agent', mutation: false }, async ({ request, params, db }) => {
  const ref = parseInput(sessionRefSchema, params.ref);
  const sessionId = await sessionIdForRef(db, ref);
  const version = sessionId ? await transcriptVersion(db, sessionId) : null;
  if (!version) throw new ApiError(404, 'not_found', 'No such session.');
  return versionResponse(request, version);
});
