import { useEffect, useMemo, useRef } from 'react';

/**
 * The widget frame's side of the embed protocol (public/widget.js is the host's side). Messages are
 * `{tether: 1, type}` objects, sent only to the host origin the embed script named and accepted
 * only from that origin and from our own parent window:
 *   frame → host: `ready` (frame loaded), `close` (the customer closed the panel)
 *   host → frame: `open` (the panel became visible: focus the composer)
 */
export interface HostFrame {
  close: () => void;
}

export function isFrameMessage(data: unknown, type: string): boolean {
  return typeof data === 'object' && data !== null && (data as Record<string, unknown>).tether === 1 && (data as Record<string, unknown>).type === type;
}

export function useHostFrame(hostOrigin: string | null, onOpen: () => void): HostFrame | null {
  const openRef = useRef(onOpen);
  openRef.current = onOpen;
  const host = useMemo<HostFrame | null>(() => {
    if (!hostOrigin || typeof window === 'undefined' || window.parent === window) return null;
    return { close: () => window.parent.postMessage({ tether: 1, type: 'close' }, hostOrigin) };
  }, [hostOrigin]);

  useEffect(() => {
    if (!hostOrigin || window.parent === window) return;
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== hostOrigin || event.source !== window.parent) return;
      if (isFrameMessage(event.data, 'open')) openRef.current();
    };
    window.addEventListener('message', onMessage);
    window.parent.postMessage({ tether: 1, type: 'ready' }, hostOrigin);
    return () => window.removeEventListener('message', onMessage);
  }, [hostOrigin]);

  return host;
}
