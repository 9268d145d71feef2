import type { ChatEvent } from '@/lib/chat/events';

const encoder = new TextEncoder();

export function encodeEvent(event: ChatEvent): Uint8Array {
  return encoder.encode(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
}

/** Headers that keep browsers, Vercel and nginx from caching, compressing or buffering the stream. */
export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-store, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};
