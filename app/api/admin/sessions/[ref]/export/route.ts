import { logAccess } from '@/lib/auth/access-log';
import { exportQuerySchema, exportResponse, exportStream } from '@/lib/admin/export';
import { requireSessionId, sessionRefSchema } from '@/lib/admin/session-lookup';
import { endpoint } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET /api/admin/sessions/{ref}/export?format=jsonl|csv&notes=0|1: one transcript, streamed. */
const exportSession = endpoint(
  {
    auth: { kind: 'agent', role: 'agent', mutation: false },
    param: sessionRefSchema,
    query: { schema: exportQuerySchema },
  },
  async ({ param: ref, query, db, agent }) => {
    const sessionId = await requireSessionId(db, ref);
    const includeNotes = query.notes === '1';
    await logAccess(db, agent, 'export_session', { sessionId, detail: { format: query.format, notes: includeNotes } });
    const stream = await exportStream(db, { kind: 'session', sessionId }, { format: query.format, includeNotes });
    return exportResponse(stream, query.format, `tether-session-${ref}`);
  },
);

export const { GET } = serve('/api/admin/sessions/[ref]/export', { GET: exportSession });
