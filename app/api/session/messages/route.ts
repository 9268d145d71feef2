import { handleListMessages } from '@/lib/chat/messages';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST /api/session/messages {sessionId}: the id is a bearer key, so it travels in the body, never the URL. */
export const { POST } = serve('/api/session/messages', { POST: handleListMessages });
