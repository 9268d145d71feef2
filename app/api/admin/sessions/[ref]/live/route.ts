import { transcriptVersion, versionResponse } from '@/lib/admin/live';
import { requireSessionId, sessionRefSchema } from '@/lib/admin/session-lookup';
import { ApiError } from '@/lib/errors';
import { endpoint } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET /api/admin/sessions/{ref}/live: an open transcript's version (ETag; 304 when unchanged). */
const transcriptLive = endpoint(
  { auth: { kind: 'agent', role: 'agent', mutation: false }, param: sessionRefSchema },
  async ({ request, param: ref, db }) => {
    const version = await transcriptVersion(db, await requireSessionId(db, ref));
    // The session was deleted between the two reads.
    if (!version) throw new ApiError(404, 'not_found', 'No such session.');
    return versionResponse(request, version);
  },
);

export const { GET } = serve('/api/admin/sessions/[ref]/live', { GET: transcriptLive });
