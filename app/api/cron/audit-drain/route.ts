import { handleDrainCron } from '@/lib/audit/drain-handler';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export function GET(request: Request): Promise<Response> {
  return handleDrainCron(request, getRuntime());
}
