import { adminRoute } from '@/lib/admin/api';
import { listVersion, versionResponse } from '@/lib/admin/live';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET /api/admin/sessions/live: the sessions list's version (ETag; 304 when unchanged), polled by the open list. */
export const GET = adminRoute({ role: 'agent', mutation: false }, async ({ request, db }) => versionResponse(request, await listVersion(db)));
