import { z } from 'zod';
import { logAccess } from '@/lib/admin/access-log';
import { parseInput } from '@/lib/admin/api';
import { agentNameSchema, createFirstAdmin, emailSchema, passwordSchema } from '@/lib/auth/agents';
import { checkSameOrigin } from '@/lib/auth/csrf';
import { rateLimiterFor } from '@/lib/auth/limiter';
import { SETUP_PER_IP } from '@/lib/auth/rate-limit';
import { closeSetup, setupTokenMatches } from '@/lib/auth/setup';
import { clientKey, clientOptionsOf } from '@/lib/chat/client-info';
import { readJsonBody } from '@/lib/chat/request';
import { ApiError, errorResponse } from '@/lib/errors';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const bodySchema = z.strictObject({
  email: emailSchema,
  name: agentNameSchema.nullish(),
  password: passwordSchema,
});

/**
 * POST /api/admin/setup: creates the first admin. Authenticated by the one-time setup token from the
 * server log (header x-setup-token) instead of a session; once any agent exists no token is valid,
 * so the route answers 401 forever after.
 */
export async function POST(request: Request): Promise<Response> {
  try {
    const runtime = getRuntime();
    const token = request.headers.get('x-setup-token')?.trim();
    if (!token) throw new ApiError(401, 'unauthorized', 'The setup token is missing.');
    const ipKey = clientKey(request, clientOptionsOf(runtime.config));
    const verdict = await rateLimiterFor(runtime).limit(SETUP_PER_IP, ipKey);
    if (!verdict.success) {
      throw new ApiError(429, 'rate_limited', 'Too many attempts. Try again later.', {
        'retry-after': String(verdict.retryAfterSeconds),
      });
    }
    if (!setupTokenMatches(runtime, token)) throw new ApiError(401, 'unauthorized', 'The setup token is not valid.');
    if (!checkSameOrigin(request)) throw new ApiError(403, 'forbidden', 'Cross-site request refused.');
    const body = parseInput(bodySchema, await readJsonBody(request, 16 * 1024));
    const db = (await runtime.database()).db;
    const admin = await createFirstAdmin(db, { email: body.email, name: body.name ?? null, password: body.password });
    if (!admin) throw new ApiError(401, 'unauthorized', 'Setup is already complete.');
    closeSetup(runtime);
    await logAccess(db, admin, 'setup', { detail: { email: admin.email } });
    return Response.json({ email: admin.email }, { status: 201, headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return errorResponse(error);
  }
}
