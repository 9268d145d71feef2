import { useCallback, useEffect, useReducer, useRef } from 'react';
import { chatReducer, initialChatState, turnText, type Connection, type Entry } from './chat-state';
import { ChatApiError, createSession, isInvalidSession, loadMessages, sendMessage } from './session-client';

/** The only thing the browser stores: the conversation itself lives on the server. */
const SESSION_KEY = 'tether.sessionId';

const NOTICES = {
  newConversation: "We couldn't find your earlier conversation, so a new one has started.",
  historyUnavailable: "We couldn't load your earlier messages right now. You can keep chatting here.",
};

const FALLBACK_ERROR = 'Something went wrong. Please try again.';

function readStoredSessionId(): string | null {
  try {
    return window.localStorage.getItem(SESSION_KEY);
  } catch {
    return null; // storage blocked (privacy settings): the session then lasts for this page view only
  }
}

function storeSessionId(sessionId: string | null): void {
  try {
    if (sessionId) window.localStorage.setItem(SESSION_KEY, sessionId);
    else window.localStorage.removeItem(SESSION_KEY);
  } catch {
    // Same as above: without storage the next reload starts a new conversation, which is acceptable.
  }
}

async function createStoredSession(): Promise<string> {
  const { sessionId } = await createSession();
  storeSessionId(sessionId);
  return sessionId;
}

/** A stored id the server rejects outright (forged, malformed, unknown) is useless and is replaced. */
function isRejectedSession(error: unknown): boolean {
  return isInvalidSession(error) || (error instanceof ChatApiError && (error.status === 400 || error.status === 404));
}

/** crypto.randomUUID exists only in secure contexts, so opening the dev server by LAN IP over http needs this. */
function newMessageId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40; // version 4
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface ChatController {
  entries: Entry[];
  connection: Connection;
  /** A reply is streaming; only one turn runs at a time, as the server serialises a session's turns. */
  busy: boolean;
  send: (text: string) => void;
  retry: (turnId: string) => void;
}

export function useChat(): ChatController {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  /** The session every turn goes to; a promise so a send made during start-up waits for it. */
  const session = useRef<Promise<string> | null>(null);
  const activeTurn = useRef<AbortController | null>(null);

  const adoptSession = useCallback((pending: Promise<string>): Promise<string> => {
    session.current = pending;
    // Only the latest attempt reports status; an aborted Strict Mode load must not claim "ready".
    pending.then(
      () => {
        if (session.current === pending) dispatch({ type: 'connection', connection: 'ready' });
      },
      () => {
        if (session.current !== pending) return;
        // Forget a failed attempt so the next send tries again instead of failing forever.
        session.current = null;
        dispatch({ type: 'connection', connection: 'offline' });
      },
    );
    return pending;
  }, []);

  const currentSession = useCallback(
    () => session.current ?? adoptSession(createStoredSession()),
    [adoptSession],
  );

  useEffect(() => {
    const stored = readStoredSessionId();
    if (!stored) {
      // Created up front so the first message does not wait for an extra round trip. A failure
      // shows as "offline" and the first send tries again.
      currentSession().catch(() => undefined);
      return;
    }

    const controller = new AbortController();
    const restore = async (): Promise<string> => {
      try {
        const history = await loadMessages(stored, controller.signal);
        if (!controller.signal.aborted) {
          dispatch({ type: 'restored', messages: history.messages, notice: history.notice });
        }
        return stored;
      } catch (error) {
        if (controller.signal.aborted) return stored;
        if (isRejectedSession(error)) {
          storeSessionId(null);
          dispatch({ type: 'restored', messages: [], notice: NOTICES.newConversation });
          return createStoredSession();
        }
        // The server may still hold the conversation (a timeout, a 5xx), so keep the id and carry on.
        dispatch({ type: 'restored', messages: [], notice: NOTICES.historyUnavailable });
        return stored;
      }
    };
    adoptSession(restore()).catch(() => undefined);
    // Strict Mode mounts twice in development; the aborted first load must not render anything.
    return () => controller.abort();
  }, [currentSession, adoptSession]);

  useEffect(() => () => activeTurn.current?.abort(), []);

  const runTurn = useCallback(
    async (turnId: string, text: string): Promise<void> => {
      const controller = new AbortController();
      activeTurn.current = controller;
      let renewedSession = false;
      for (;;) {
        try {
          const sessionId = await currentSession();
          for await (const event of sendMessage({ sessionId, text, messageId: turnId }, controller.signal)) {
            switch (event.event) {
              case 'meta':
                if (event.data.notice) dispatch({ type: 'turnNotice', turnId, key: 'memory', text: event.data.notice });
                break;
              case 'delta':
                dispatch({ type: 'delta', turnId, text: event.data.text });
                break;
              case 'done':
                dispatch({
                  type: 'done',
                  turnId,
                  reply: event.data.reply,
                  remembered: event.data.remembered,
                  at: new Date().toISOString(),
                });
                break;
            }
          }
          return;
        } catch (error) {
          if (controller.signal.aborted) return;
          // The server no longer knows this session: start a new one and send the same message there, once.
          if (isInvalidSession(error) && !renewedSession) {
            renewedSession = true;
            storeSessionId(null);
            session.current = null;
            dispatch({ type: 'turnNotice', turnId, key: 'session', text: NOTICES.newConversation });
            dispatch({ type: 'turnRestarted', turnId });
            continue;
          }
          dispatch({ type: 'failed', turnId, message: error instanceof ChatApiError ? error.message : FALLBACK_ERROR });
          return;
        }
      }
    },
    [currentSession],
  );

  const send = useCallback(
    (text: string) => {
      const turnId = newMessageId();
      dispatch({ type: 'turnStarted', turnId, text, at: new Date().toISOString() });
      void runTurn(turnId, text);
    },
    [runTurn],
  );

  const retry = (turnId: string) => {
    const text = turnText(state, turnId);
    if (text === null) return;
    dispatch({ type: 'turnRestarted', turnId });
    void runTurn(turnId, text);
  };

  const entries = [...state.restored, ...state.live];
  const busy = state.live.some((entry) => entry.kind === 'assistant' && entry.status === 'streaming');
  return { entries, connection: state.connection, busy, send, retry };
}
