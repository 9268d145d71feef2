import { takeOverEndpoint } from '@/lib/admin/handoff';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { POST } = serve('/api/admin/sessions/[ref]/take-over', { POST: takeOverEndpoint });
