import { startReplayEndpoint } from '@/lib/review/replay/api';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { POST } = serve('/api/admin/replays', { POST: startReplayEndpoint });
