import { z } from 'zod';
import { logAccess } from '@/lib/auth/access-log';
import { agentNameSchema, createFirstAdmin, emailSchema, passwordSchema } from '@/lib/auth/agents';
import { SETUP_PER_IP } from '@/lib/auth/rate-limit';
import { closeSetup } from '@/lib/auth/setup';
import { clientKey, clientOptionsOf } from '@/lib/security/client-info';
import { ApiError } from '@/lib/errors';
import type { LimitDeps } from '@/lib/chat/limits';
import { type EdgeServices, endpointFor } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const bodySchema = z.strictObject({
  email: emailSchema,
  name: agentNameSchema.nullish(),
  password: passwordSchema,
});

/** Attempts are counted per address in the shared limiter. */
type SetupServices = EdgeServices & LimitDeps;

const endpoint = endpointFor<SetupServices>();

/** Per address, so the token cannot be guessed at: SETUP_PER_IP attempts, then 429 with Retry-After. */
async function countSetupAttempt(request: Request, runtime: SetupServices): Promise<void> {
  const verdict = await runtime.rateLimiter.limit(
    SETUP_PER_IP,
    clientKey(request, clientOptionsOf(runtime.config)),
  );
  if (!verdict.success) {
    throw new ApiError(429, 'rate_limited', 'Too many attempts. Try again later.', {
      'retry-after': String(verdict.retryAfterSeconds),
    });
  }
}

/**
 * POST /api/admin/setup: creates the first admin. Authenticated by the one-time setup token from the
 * server log (header x-setup-token) instead of a session; once any agent exists no token is valid,
 * so the route answers 401 forever after.
 */
const setupEndpoint = endpoint(
  { auth: { kind: 'setup', limit: countSetupAttempt }, body: { schema: bodySchema, maxBytes: 16 * 1024 } },
  async ({ body, runtime }) => {
    const db = (await runtime.database()).db;
    const admin = await createFirstAdmin(db, { email: body.email, name: body.name ?? null, password: body.password });
    if (!admin) throw new ApiError(401, 'unauthorized', 'Setup is already complete.');
    closeSetup(runtime);
    await logAccess(db, admin, 'setup', { detail: { email: admin.email } });
    return Response.json({ email: admin.email }, { status: 201, headers: { 'cache-control': 'no-store' } });
  },
);

export const { POST } = serve('/api/admin/setup', { POST: setupEndpoint });
