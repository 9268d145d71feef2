import { takeItemEndpoint } from '@/lib/review/queue-api';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { POST } = serve('/api/admin/review/items/[id]/take', { POST: takeItemEndpoint });
