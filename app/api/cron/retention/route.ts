import { handleRetentionCron } from '@/lib/audit/retention-handler';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export function GET(request: Request): Promise<Response> {
  return handleRetentionCron(request, getRuntime());
}
