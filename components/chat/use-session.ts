import { useEffect, useRef, useState } from 'react';
import { hostChannelFor } from './host-channel';
import type { HostMessage } from './host-protocol';
import { createSession } from './session-client';
import { chooseStorage, ConversationSession, type IdStorage } from './session-store';

export interface SessionHandle {
  /** The session once the embed has said where ids live (at once on `/`; after the loader's `init` in a widget). */
  ready: Promise<ConversationSession>;
  /** The same, synchronously: null during start-up. */
  now: () => ConversationSession | null;
  /** Where the anonymous id lives; `none` once known means the customer must be told. */
  storageKind: IdStorage['kind'] | null;
}

/**
 * Owns the conversation's session for the chat: where its id is kept (frame storage, the host page's
 * storage through the loader, or nowhere) and who the customer is (the host page's token). One
 * ConversationSession, created once per page view; everything else asks it.
 */
export function useSession(hostOrigin: string | null, onHostMessage: (message: HostMessage) => void): SessionHandle {
  const [storageKind, setStorageKind] = useState<IdStorage['kind'] | null>(null);
  const ref = useRef<{ ready: Promise<ConversationSession>; value: ConversationSession | null } | null>(null);
  if (ref.current === null && typeof window !== 'undefined') {
    const channel = hostChannelFor(hostOrigin);
    const holder: { ready: Promise<ConversationSession>; value: ConversationSession | null } = {
      ready: chooseStorage(channel).then(({ storage, userToken }) => {
        const session = new ConversationSession(storage, (options) => createSession(options), userToken);
        holder.value = session;
        return session;
      }),
      value: null,
    };
    ref.current = holder;
  }

  const listener = useRef(onHostMessage);
  listener.current = onHostMessage;
  useEffect(() => {
    const holder = ref.current;
    if (!holder) return;
    let live = true;
    void holder.ready.then((session) => {
      if (live) setStorageKind(session.storageKind);
    });
    const channel = hostChannelFor(hostOrigin);
    const unsubscribe = channel?.subscribe((message) => listener.current(message));
    return () => {
      live = false;
      unsubscribe?.();
    };
  }, [hostOrigin]);

  // Stable across renders, so callbacks that use them do not change identity.
  const [stable] = useState(() => ({
    ready: ref.current?.ready ?? new Promise<ConversationSession>(() => undefined),
    now: () => ref.current?.value ?? null,
  }));
  return { ...stable, storageKind };
}
