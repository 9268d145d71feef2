import { createCriterionEndpoint } from '@/lib/review/scores-api';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { POST } = serve('/api/admin/review/rubric', { POST: createCriterionEndpoint });
