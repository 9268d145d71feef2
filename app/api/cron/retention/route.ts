import { handleRetentionCron } from '@/lib/audit/retention-handler';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { GET } = serve('/api/cron/retention', { GET: handleRetentionCron });
