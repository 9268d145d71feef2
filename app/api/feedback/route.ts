import { handleFeedback } from '@/lib/chat/feedback';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { POST } = serve('/api/feedback', { POST: handleFeedback });
