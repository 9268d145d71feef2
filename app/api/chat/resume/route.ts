import { handleResume } from '@/lib/chat/resume';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { POST } = serve('/api/chat/resume', { POST: handleResume });
