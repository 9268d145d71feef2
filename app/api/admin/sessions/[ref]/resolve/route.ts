import { resolveEndpoint } from '@/lib/admin/handoff';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { POST } = serve('/api/admin/sessions/[ref]/resolve', { POST: resolveEndpoint });
