import { adminRoute, readBody } from '@/lib/admin/api';
import { runRetention } from '@/lib/admin/retention';
import { ApiError } from '@/lib/errors';
import { z } from 'zod';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const bodySchema = z.strictObject({ confirm: z.literal(true) });

/** POST /api/admin/retention {"confirm": true}: deletes audit data older than AUDIT_RETENTION_DAYS now. */
export const POST = adminRoute({ role: 'admin', mutation: true, action: 'retention_run' }, async ({ request, db, agent, runtime }) => {
  await readBody(request, bodySchema);
  const days = runtime.config.audit.retentionDays;
  if (days === undefined) throw new ApiError(400, 'invalid_request', 'AUDIT_RETENTION_DAYS is not set: audit data is kept forever.');
  const report = await runRetention(db, agent, days);
  return Response.json(report);
});
