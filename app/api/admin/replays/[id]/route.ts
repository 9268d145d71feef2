import { replayProgressEndpoint } from '@/lib/review/replay/api';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { GET } = serve('/api/admin/replays/[id]', { GET: replayProgressEndpoint });
