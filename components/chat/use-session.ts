import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { hostChannelFor } from './host-channel';
import type { HostMessage } from './host-protocol';
import { createSession, isIdentityError } from './session-client';
import {
  SERVER_SESSION,
  STARTING_SNAPSHOT,
  startSession,
  type SessionSnapshot,
  type SessionSource,
} from './session-store';
import type { ConnectionReport } from './use-connection';

export interface SessionHandle {
  /** The page view's session, created once (see session-store.ts): what callbacks ask. */
  source: SessionSource;
  /** What it looks like now, for rendering. */
  snapshot: SessionSnapshot;
}

/**
 * The conversation's session for the chat: where its id is kept (frame storage, the host page's storage
 * through the loader, or nowhere) and who the customer is (the host page's token). One store per page
 * view; the component re-renders when it changes.
 */
export function useSession(hostOrigin: string | null): SessionHandle {
  const [source] = useState(() =>
    typeof window === 'undefined'
      ? SERVER_SESSION
      : startSession(hostChannelFor(hostOrigin), (options) => createSession(options)),
  );
  const snapshot = useSyncExternalStore(source.subscribe, source.getSnapshot, () => STARTING_SNAPSHOT);
  return { source, snapshot };
}

export interface SessionReport {
  /** Reports how getting the session went, and passes the promise on. */
  report: (pending: Promise<string>) => Promise<string>;
  /** The host page said who the customer is and Tether could not confirm it: they must sign in again. */
  signInAgain: boolean;
}

/** An identity the host vouched for and Tether refused is said, never hidden; other failures show as reconnecting. */
export function useSessionReport(connection: ConnectionReport): SessionReport {
  const [signInAgain, setSignInAgain] = useState(false);
  const report = useCallback(
    (pending: Promise<string>): Promise<string> => {
      pending.then(
        () => {
          setSignInAgain(false);
          connection.reached();
        },
        (error: unknown) => {
          if (isIdentityError(error)) setSignInAgain(true);
          else connection.unreachable();
        },
      );
      return pending;
    },
    [connection],
  );
  return { report, signInAgain };
}

/** The host page's news (a token, a sign-out, the panel opening), for as long as the chat is mounted. */
export function useHostMessages(hostOrigin: string | null, onMessage: (message: HostMessage) => void): void {
  useEffect(() => hostChannelFor(hostOrigin)?.subscribe(onMessage), [hostOrigin, onMessage]);
}
