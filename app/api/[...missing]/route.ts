import { ApiError } from '@/lib/errors';
import { endpoint } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Any /api path no route file serves: a JSON 404 instead of Next's HTML page. A catch-all loses to
 * every specific route, so a route added later is served without touching this file.
 */
const notFound = endpoint({ auth: { kind: 'public' } }, async () => {
  throw new ApiError(404, 'not_found', 'There is no such API route.');
});

export const { GET, POST, PUT, PATCH, DELETE } = serve('/api/[...missing]', {
  GET: notFound,
  POST: notFound,
  PUT: notFound,
  PATCH: notFound,
  DELETE: notFound,
});
