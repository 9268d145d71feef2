import { handleDrainCron } from '@/lib/audit/drain-handler';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { GET } = serve('/api/cron/audit-drain', { GET: handleDrainCron });
