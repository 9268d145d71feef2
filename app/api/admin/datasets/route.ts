import { createDatasetEndpoint } from '@/lib/review/datasets-api';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { POST } = serve('/api/admin/datasets', { POST: createDatasetEndpoint });
