import { addItemEndpoint, listItemsEndpoint } from '@/lib/review/queue-api';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { GET, POST } = serve('/api/admin/review/items', { GET: listItemsEndpoint, POST: addItemEndpoint });
