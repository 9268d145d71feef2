import { deleteCorrectionEndpoint, putCorrectionEndpoint } from '@/lib/review/scores-api';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { PUT, DELETE } = serve('/api/admin/review/corrections/[auditId]', { PUT: putCorrectionEndpoint, DELETE: deleteCorrectionEndpoint });
