import { handleHandoff } from '@/lib/chat/handoff';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { POST } = serve('/api/chat/handoff', { POST: handleHandoff });
