import { logAccess } from '@/lib/auth/access-log';
import { exportQuerySchema, exportResponse, exportStream } from '@/lib/admin/export';
import { filtersToParams, firstValues, readListFilters } from '@/lib/admin/filters';
import { ApiError } from '@/lib/errors';
import { endpoint } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * GET /api/admin/export?format=jsonl|csv&notes=0|1&<list filters>: every session the list's filters
 * select, with their transcripts, streamed.
 */
const exportList = endpoint(
  {
    auth: { kind: 'agent', role: 'agent', mutation: false },
    query: {
      schema: exportQuerySchema,
      read: (search) => {
        const params = firstValues(search);
        return { format: params.format, notes: params.notes };
      },
    },
  },
  async ({ request, query, db, agent }) => {
    // Refused before anything streams: a malformed filter is a 400 with its reason, never a cut file.
    const { filters, problems } = readListFilters(firstValues(new URL(request.url).searchParams));
    if (problems.length > 0) throw new ApiError(400, 'invalid_request', problems.join(' '));
    const includeNotes = query.notes === '1';
    await logAccess(db, agent, 'export_list', {
      detail: { format: query.format, notes: includeNotes, filters: Object.fromEntries(filtersToParams(filters)) },
    });
    const stream = await exportStream(db, { kind: 'list', filters }, { format: query.format, includeNotes });
    return exportResponse(stream, query.format, `tether-sessions-${new Date().toISOString().slice(0, 10)}`);
  },
);

export const { GET } = serve('/api/admin/export', { GET: exportList });
