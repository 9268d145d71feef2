import { z } from 'zod';
import { getConfig } from '@/lib/config';
import { errorBody } from '@/lib/errors';
import { measureTransport, TRANSPORTS } from '@/scripts/bench-e2e/transport';

/**
 * Benchmark only (compiled when TETHER_BENCH_ROUTES=1): the client CPU of one Redis REST request
 * over each transport, measured inside `next start`, where Next has patched the global fetch
 * (scripts/bench-transport.ts calls it).
 */
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const bodySchema = z.strictObject({ transport: z.enum(TRANSPORTS), requests: z.number().int().min(1).max(100_000) });

export async function POST(request: Request): Promise<Response> {
  const parsed = bodySchema.safeParse(await request.json().catch(() => null));
  const redis = getConfig().memory.backend;
  if (!parsed.success || redis.kind !== 'redis')
    return Response.json(errorBody('invalid_request', 'Send {"transport", "requests"}; Redis must be configured.'), {
      status: 400,
    });
  return Response.json(await measureTransport(parsed.data.transport, redis.url, redis.token, parsed.data.requests));
}
