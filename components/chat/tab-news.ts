import type { LiveReplyInfo } from '@/lib/chat/events';

/** Tabs of this origin tell each other about turns, so a second tab on the same conversation keeps up. */
const CHANNEL = 'tether.chat';

export type TabMessage =
  | { type: 'started'; sessionId: string; live: LiveReplyInfo }
  | { type: 'finished'; sessionId: string }
  | { type: 'session'; sessionId: string };

/** The part of BroadcastChannel used here, so unit tests can stand in for the browser. */
export interface TabChannel {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

export interface TabNews {
  /** Tells the other tabs (nobody hears it while no channel is open). */
  tell(message: TabMessage): void;
  /** Opens the channel and hears the other tabs until the returned function closes it. */
  listen(listener: (message: TabMessage) => void): () => void;
}

function openBroadcastChannel(name: string): TabChannel | null {
  return typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(name);
}

export function tabNews(open: (name: string) => TabChannel | null = openBroadcastChannel): TabNews {
  let channel: TabChannel | null = null;
  return {
    tell(message) {
      try {
        channel?.postMessage(message);
      } catch {
        // A closed channel (page unloading) has nobody to tell.
      }
    },
    listen(listener) {
      const opened = open(CHANNEL);
      if (!opened) return () => undefined;
      channel = opened;
      opened.onmessage = (event: MessageEvent<TabMessage>) => {
        const message = event.data;
        if (!message || typeof message !== 'object') return;
        listener(message);
      };
      return () => {
        opened.close();
        if (channel === opened) channel = null;
      };
    },
  };
}
