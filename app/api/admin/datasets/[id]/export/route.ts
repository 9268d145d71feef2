import { exportDatasetEndpoint } from '@/lib/review/datasets-api';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { GET } = serve('/api/admin/datasets/[id]/export', { GET: exportDatasetEndpoint });
