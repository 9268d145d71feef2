import { logAccess } from '@/lib/admin/access-log';
import { adminRoute, parseInput } from '@/lib/admin/api';
import { exportQuerySchema, exportResponse, exportStream } from '@/lib/admin/export';
import { sessionIdForRef, sessionRefSchema } from '@/lib/admin/session-lookup';
import { ApiError } from '@/lib/errors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET /api/admin/sessions/{ref}/export?format=jsonl|csv&notes=0|1: one transcript, streamed. */
export const GET = adminRoute<{ ref: string }>({ role: 'agent', mutation: false }, async ({ request, params, db, agent }) => {
  const ref = parseInput(sessionRefSchema, params.ref);
  const url = new URL(request.url);
  const query = parseInput(exportQuerySchema, Object.fromEntries(url.searchParams));
  const sessionId = await sessionIdForRef(db, ref);
  if (!sessionId) throw new ApiError(404, 'not_found', 'No such session.');
  const includeNotes = query.notes === '1';
  await logAccess(db, agent, 'export_session', { sessionId, detail: { format: query.format, notes: includeNotes } });
  const stream = await exportStream(db, { kind: 'session', sessionId }, { format: query.format, includeNotes });
  return exportResponse(stream, query.format, `tether-session-${ref}`);
});
