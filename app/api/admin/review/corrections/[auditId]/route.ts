import { deleteCorrectionEndpoint, putCorrectionEndpoint } from '@/lib/review/endpoints';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { PUT, DELETE } = serve('/api/admin/review/corrections/[auditId]', { PUT: putCorrectionEndpoint, DELETE: deleteCorrectionEndpoint });
