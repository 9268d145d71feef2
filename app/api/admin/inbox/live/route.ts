import { inboxVersion } from '@/lib/admin/inbox';
import { versionResponse } from '@/lib/admin/live';
import { endpoint } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET /api/admin/inbox/live: the inbox's version (ETag; 304 when unchanged), polled by the open inbox. */
const inboxLive = endpoint({ auth: { kind: 'agent', role: 'agent', mutation: false } }, async ({ request, db }) =>
  versionResponse(request, await inboxVersion(db)),
);

export const { GET } = serve('/api/admin/inbox/live', { GET: inboxLive });
