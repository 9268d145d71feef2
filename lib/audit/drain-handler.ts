import 'server-only';
import { authorizedCron } from '@/lib/audit/retention-handler';
import { ApiError, errorResponse } from '@/lib/errors';
import type { Runtime } from '@/lib/runtime';

/**
 * GET /api/cron/audit-drain: on serverless, where no drain loop runs between requests, Vercel Cron
 * (vercel.json; daily on the Hobby plan, every minute on Pro) calls it with `Authorization: Bearer $CRON_SECRET` to move the audit
 * stream to Postgres and abandon turns that never finished. 503 when it could not drain.
 */
export async function handleDrainCron(request: Request, runtime: Runtime): Promise<Response> {
  try {
    const { cronSecret } = runtime.config.audit;
    if (!cronSecret) throw new ApiError(404, 'not_found', 'The drain route runs only when CRON_SECRET is set.');
    if (!authorizedCron(request, cronSecret)) throw new ApiError(401, 'unauthorized', 'A valid cron secret is required.');
    const report = await runtime.drainer.drainUntilEmpty(10);
    const failed = report.blocked !== null && report.blocked.reason !== 'locked';
    return Response.json(report, { status: failed ? 503 : 200, headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return errorResponse(error);
  }
}
