import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import { deleteAuditOlderThan, retentionCutoff } from '@/lib/audit/retention';
import { ApiError, errorResponse } from '@/lib/errors';
import type { Runtime } from '@/lib/runtime';

export function authorizedCron(request: Request, secret: string): boolean {
  const given = Buffer.from(request.headers.get('authorization') ?? '');
  const expected = Buffer.from(`Bearer ${secret}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** GET /api/cron/retention: Vercel Cron (vercel.json) calls it daily with `Authorization: Bearer $CRON_SECRET`. */
export async function handleRetentionCron(request: Request, runtime: Runtime): Promise<Response> {
  try {
    const { cronSecret, retentionDays } = runtime.config.audit;
    if (!cronSecret) throw new ApiError(404, 'not_found', 'Retention runs only when CRON_SECRET is set.');
    if (!authorizedCron(request, cronSecret)) throw new ApiError(401, 'unauthorized', 'A valid cron secret is required.');
    if (retentionDays === undefined) {
      return Response.json({ skipped: true, reason: 'AUDIT_RETENTION_DAYS is not set: audit data is kept.' });
    }
    const { db } = await runtime.database();
    const report = await deleteAuditOlderThan(db, retentionCutoff(retentionDays));
    console.log(`[tether] retention: deleted ${report.turns} turns and ${report.sessions} sessions before ${report.cutoff}`);
    return Response.json({ skipped: false, ...report });
  } catch (error) {
    return errorResponse(error);
  }
}
