import { z } from 'zod';
import { runRetention } from '@/lib/admin/retention';
import { ApiError } from '@/lib/errors';
import { ADMIN_BODY_MAX_BYTES, endpoint } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const bodySchema = z.strictObject({ confirm: z.literal(true) });

/** POST /api/admin/retention {"confirm": true}: deletes audit data older than AUDIT_RETENTION_DAYS now. */
const retentionRun = endpoint(
  {
    auth: { kind: 'agent', role: 'admin', mutation: true, action: 'retention_run' },
    body: { schema: bodySchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ db, agent, runtime }) => {
    const days = runtime.config.audit.retentionDays;
    if (days === undefined)
      throw new ApiError(400, 'invalid_request', 'AUDIT_RETENTION_DAYS is not set: audit data is kept forever.');
    const report = await runRetention(db, agent, days);
    return Response.json(report);
  },
);

export const { POST } = serve('/api/admin/retention', { POST: retentionRun });
