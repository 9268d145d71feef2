import { handleHealth } from '@/lib/health';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { GET } = serve('/api/health', { GET: handleHealth });
