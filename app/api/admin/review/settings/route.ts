import { readRulesEndpoint, updateRulesEndpoint } from '@/lib/review/queue-api';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { GET, PUT } = serve('/api/admin/review/settings', { GET: readRulesEndpoint, PUT: updateRulesEndpoint });
