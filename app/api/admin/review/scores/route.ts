import { scoreEndpoint } from '@/lib/review/scores-api';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { PUT } = serve('/api/admin/review/scores', { PUT: scoreEndpoint });
