import 'server-only';
import { z } from 'zod';
import { logAccess } from '@/lib/auth/access-log';
import { ApiError } from '@/lib/errors';
import { ADMIN_BODY_MAX_BYTES, endpoint } from '@/lib/http/endpoint';
import { createDataset, createDatasetSchema, datasetJsonlStream, getDataset } from '@/lib/review/datasets';

/** POST /api/admin/datasets: the next version of a named dataset, from reviewed replies (admins). */
export const createDatasetEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'admin', mutation: true, action: 'dataset_create' },
    body: { schema: createDatasetSchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ body, db, agent, runtime }) => {
    const { dataset, refused } = await createDataset(db, agent, body, runtime.config.audit.redact);
    await logAccess(db, agent, 'dataset_create', {
      detail: { datasetId: dataset.id, name: dataset.name, version: dataset.version, items: dataset.itemCount, refused: refused.length },
    });
    return Response.json({ dataset, refused }, { status: 201 });
  },
);

/** GET /api/admin/datasets/{id}/export: the dataset version as JSONL (docs/review.md), streamed. */
export const exportDatasetEndpoint = endpoint(
  { auth: { kind: 'agent', role: 'admin', mutation: false, action: 'dataset_export' }, param: z.uuid() },
  async ({ param: id, db, agent }) => {
    const dataset = await getDataset(db, id);
    if (!dataset) throw new ApiError(404, 'not_found', 'No such dataset.');
    const stream = await datasetJsonlStream(db, id);
    await logAccess(db, agent, 'dataset_export', {
      detail: { datasetId: id, name: dataset.name, version: dataset.version, items: dataset.itemCount },
    });
    const fileName = `${dataset.name}-v${dataset.version}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
    return new Response(stream, {
      headers: {
        'content-type': 'application/x-ndjson; charset=utf-8',
        'content-disposition': `attachment; filename="${fileName}.jsonl"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
    });
  },
);
