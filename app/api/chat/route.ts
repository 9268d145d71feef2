import { handleChat } from '@/lib/chat/handler';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { POST } = serve('/api/chat', { POST: handleChat });
