import { listVersion, versionResponse } from '@/lib/admin/live';
import { endpoint } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET /api/admin/sessions/live: the sessions list's version (ETag; 304 when unchanged), polled by the open list. */
const listLive = endpoint({ auth: { kind: 'agent', role: 'agent', mutation: false } }, async ({ request, db }) =>
  versionResponse(request, await listVersion(db)),
);

export const { GET } = serve('/api/admin/sessions/live', { GET: listLive });
