import type { LiveReply, LiveReplyStore } from '@/lib/conversation/live-reply';

/** The embedded default: one process, so a Map with expiry times is the whole story. */
export class LocalLiveReplyStore implements LiveReplyStore {
  private readonly entries = new Map<string, { value: LiveReply; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async write(sessionId: string, reply: LiveReply, ttlSeconds: number): Promise<void> {
    this.sweep();
    this.entries.set(sessionId, { value: { ...reply }, expiresAt: this.now() + ttlSeconds * 1000 });
  }

  async append(sessionId: string, text: string, ttlSeconds: number): Promise<void> {
    const entry = this.live(sessionId);
    if (!entry) return;
    entry.value.text += text;
    entry.expiresAt = this.now() + ttlSeconds * 1000;
  }

  async read(sessionId: string): Promise<LiveReply | null> {
    const entry = this.live(sessionId);
    return entry ? { ...entry.value } : null;
  }

  private live(sessionId: string) {
    const entry = this.entries.get(sessionId);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(id);
  }
}
