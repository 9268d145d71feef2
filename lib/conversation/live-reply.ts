/**
 * The reply still being written, kept for its short life so a page reloaded mid-reply can pick it
 * up (POST /api/chat/resume). One value per session, its first line a JSON header, the rest the
 * text so far, `{"auditId","userText","at","status"}\n<text>` (Redis: liveReplyKey in lib/redis/keys.ts).
 * Backends: redis/live-reply.ts, local/live-reply.ts; the tee and the watchers: lib/chat/live-reply.ts.
 * Deltas are batched: the first write happens ~250 ms after the first delta, later ones APPEND;
 * a reply that ends before the first write costs no request at all, a longer one one more at the end.
 */

export type LiveStatus = 'streaming' | 'done' | 'failed';

export interface LiveHeader {
  auditId: string;
  userText: string;
  at: string;
  status: LiveStatus;
  /** For a failed reply: the customer-facing code and message of the `error` event. */
  error?: { code: string; message: string };
}

export interface LiveReply extends LiveHeader {
  text: string;
}

export interface LiveReplyStore {
  /** Replaces whatever the session held with this reply so far. */
  write(sessionId: string, reply: LiveReply, ttlSeconds: number): Promise<void>;
  /** Adds text to the session's live reply (written before by `write`). */
  append(sessionId: string, text: string, ttlSeconds: number): Promise<void>;
  read(sessionId: string): Promise<LiveReply | null>;
}

export function encodeLive(reply: LiveReply): string {
  const { text, ...header } = reply;
  return `${JSON.stringify(header)}\n${text}`;
}

export function decodeLive(raw: string | null | undefined): LiveReply | null {
  if (typeof raw !== 'string') return null;
  const newline = raw.indexOf('\n');
  if (newline < 0) return null;
  try {
    const header = JSON.parse(raw.slice(0, newline)) as Partial<LiveHeader>;
    if (typeof header.auditId !== 'string' || typeof header.userText !== 'string' || typeof header.at !== 'string')
      return null;
    if (header.status !== 'streaming' && header.status !== 'done' && header.status !== 'failed') return null;
    return { ...(header as LiveHeader), text: raw.slice(newline + 1) };
  } catch {
    return null;
  }
}
