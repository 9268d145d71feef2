import { handleStop } from '@/lib/chat/session-handlers';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export function POST(request: Request): Promise<Response> {
  return handleStop(request, getRuntime());
}
