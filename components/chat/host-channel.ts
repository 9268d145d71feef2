import { parseHostMessage, type HostMessage, type HostStorage } from './host-protocol';

/** What the loader told the frame when it loaded (see host-protocol.ts). */
export interface HostInit {
  sessionId: string | null;
  storage: HostStorage;
  userToken: string | null;
}

/** The part of `window` the channel uses, so unit tests can stand in for the browser. */
export interface FrameWindow {
  parent: { postMessage: (message: unknown, targetOrigin: string) => void };
  addEventListener: (type: 'message', listener: (event: MessageEvent) => void) => void;
}

/** How long the frame waits for the loader's `init` before treating itself as not embedded by widget.js. */
const INIT_TIMEOUT_MS = 3000;

/**
 * The frame's end of the embed protocol. Talks to exactly one origin (the host page the frame was
 * created for, already checked against WIDGET_ALLOWED_ORIGINS by the page) and hears only its own parent.
 */
export class HostChannel {
  readonly init: Promise<HostInit | null>;
  private readonly listeners = new Set<(message: HostMessage) => void>();
  /** Messages that arrived before anyone listened (the loader answers `ready` at once, before React's effects run). */
  private readonly early: HostMessage[] = [];

  constructor(
    private readonly hostOrigin: string,
    private readonly win: FrameWindow,
    timeoutMs = INIT_TIMEOUT_MS,
  ) {
    let settle: (value: HostInit | null) => void = () => undefined;
    this.init = new Promise((resolve) => {
      settle = resolve;
    });
    const timer = setTimeout(() => settle(null), timeoutMs);
    win.addEventListener('message', (event) => {
      if (event.origin !== this.hostOrigin || event.source !== this.win.parent) return;
      const message = parseHostMessage(event.data);
      if (!message) return;
      if (message.type === 'init') {
        clearTimeout(timer);
        settle({ sessionId: message.sessionId, storage: message.storage, userToken: message.userToken });
        return;
      }
      if (this.listeners.size === 0) this.early.push(message);
      for (const listener of this.listeners) listener(message);
    });
    this.post({ type: 'ready' });
  }

  /** Identify, logout and open, as the host page sends them. */
  subscribe(listener: (message: HostMessage) => void): () => void {
    this.listeners.add(listener);
    for (const message of this.early.splice(0)) listener(message);
    return () => this.listeners.delete(listener);
  }

  /** The host page keeps the anonymous conversation's id in its own storage; null forgets it. */
  saveSession(sessionId: string | null): void {
    this.post({ type: 'session', sessionId });
  }

  close(): void {
    this.post({ type: 'close' });
  }

  private post(message: Record<string, unknown>): void {
    this.win.parent.postMessage({ tether: 1, ...message }, this.hostOrigin);
  }
}

const channels = new Map<string, HostChannel>();

/** One channel per page: React may render twice, the loader must hear `ready` once per frame load. */
export function hostChannelFor(hostOrigin: string | null): HostChannel | null {
  if (!hostOrigin || typeof window === 'undefined' || window.parent === window) return null;
  let channel = channels.get(hostOrigin);
  if (!channel) {
    channel = new HostChannel(hostOrigin, window);
    channels.set(hostOrigin, channel);
  }
  return channel;
}
