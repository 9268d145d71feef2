import { changeCriterionEndpoint, removeCriterionEndpoint } from '@/lib/review/scores-api';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { PATCH, DELETE } = serve('/api/admin/review/rubric/[key]', { PATCH: changeCriterionEndpoint, DELETE: removeCriterionEndpoint });
