import { handleCreateSession } from '@/lib/chat/session-handlers';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { POST } = serve('/api/session', { POST: handleCreateSession });
