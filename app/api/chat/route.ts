import { after } from 'next/server';
import { handleChat } from '@/lib/chat/handler';
import { getRuntime } from '@/lib/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export function POST(request: Request): Promise<Response> {
  return handleChat(request, getRuntime(), (work) => after(work));
}
