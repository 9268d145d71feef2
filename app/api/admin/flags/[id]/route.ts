import { z } from 'zod';
import { resolveFlag, reviewAnswer } from '@/lib/admin/review';
import { ADMIN_BODY_MAX_BYTES, endpoint } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const bodySchema = z.strictObject({ resolved: z.literal(true) });

/** PATCH /api/admin/flags/{id} {"resolved": true}: closes a flag; it stays in the history. */
const resolveFlagEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'agent', mutation: true, action: 'resolve_flag' },
    param: z.uuid(),
    body: { schema: bodySchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ param: flagId, db, agent }) => reviewAnswer(await resolveFlag(db, agent, flagId)),
);

export const { PATCH } = serve('/api/admin/flags/[id]', { PATCH: resolveFlagEndpoint });
