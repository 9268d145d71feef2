import { ApiError, errorResponse } from '@/lib/errors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Any /api path no route file serves: a JSON 404 instead of Next's HTML page. A catch-all loses to
 * every specific route, so a route added later is served without touching this file.
 */
function notFound(): Response {
  return errorResponse(new ApiError(404, 'not_found', 'There is no such API route.'));
}

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
