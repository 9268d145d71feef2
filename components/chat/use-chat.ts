import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { LiveReplyInfo } from '@/lib/chat/events';
import { chatReducer, initialChatState, turnText, type Connection, type Entry, type Rating } from './chat-state';
import type { HostMessage } from './host-protocol';
import {
  ChatApiError,
  isIdentityError,
  isInvalidSession,
  loadMessages,
  resumeReply,
  sendFeedback,
  sendMessage,
  stopReply,
  type TurnEvent,
} from './session-client';
import type { ConversationSession } from './session-store';
import type { ChatStrings } from '@/lib/chat/strings';
import { useConnection } from './use-connection';
import { useSession } from './use-session';

/** Tabs of this origin tell each other about turns, so a second tab on the same conversation keeps up. */
const CHANNEL = 'tether.chat';

type TabMessage =
  | { type: 'started'; sessionId: string; live: LiveReplyInfo }
  | { type: 'finished'; sessionId: string }
  | { type: 'session'; sessionId: string };

/** A stored id the server rejects outright (forged, malformed, unknown) is useless and is replaced. */
function isRejectedSession(error: unknown): boolean {
  return isInvalidSession(error) || (error instanceof ChatApiError && (error.status === 400 || error.status === 404));
}

function isNetworkError(error: unknown): boolean {
  return error instanceof ChatApiError && (error.code === 'network_error' || error.code === 'stream_interrupted');
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

interface ActiveTurn {
  turnId: string;
  controller: AbortController;
  auditId: string | null;
  stopRequested: boolean;
}

export interface ChatController {
  entries: Entry[];
  connection: Connection;
  /** A reply is streaming; only one turn runs at a time, as the server serialises a session's turns. */
  busy: boolean;
  /** Until when (epoch ms) the server asked us not to send (429 Retry-After); null when free. */
  blockedUntil: number | null;
  send: (text: string) => void;
  retry: (turnId: string) => void;
  stop: () => void;
  newConversation: () => void;
  rate: (auditId: string, rating: Rating | null) => void;
  /** Neither the frame nor the host page can keep the conversation: it ends with this page view. */
  notKept: boolean;
  /** The host page said who the customer is and Tether could not confirm it: they must sign in again. */
  signInAgain: boolean;
}

export interface UseChatOptions {
  /** The embedding page's origin (widget only), already checked by the page against WIDGET_ALLOWED_ORIGINS. */
  hostOrigin?: string | null;
  /** The host page made the panel visible. */
  onOpen?: () => void;
}

export function useChat(strings: ChatStrings, options: UseChatOptions = {}): ChatController {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const active = useRef<ActiveTurn | null>(null);
  const channel = useRef<BroadcastChannel | null>(null);
  const [signInAgain, setSignInAgain] = useState(false);
  const stringsRef = useRef(strings);
  stringsRef.current = strings;
  const hostMessageRef = useRef<(message: HostMessage) => void>(() => undefined);
  const sessions = useSession(options.hostOrigin ?? null, (message) => hostMessageRef.current(message));
  const { ready, now } = sessions;
  /** The id of the conversation on screen, once known (feedback and other tabs' news need no new session). */
  const knownId = useCallback(() => now()?.id ?? null, [now]);

  const syncRef = useRef<() => Promise<void>>(async () => undefined);
  const { reached, unreachable } = useConnection(state.connection, dispatch, () => {
    const session = now();
    if (session && !session.id) currentSession().catch(() => undefined);
    void syncRef.current();
  });

  const tell = useCallback((message: TabMessage) => {
    try {
      channel.current?.postMessage(message);
    } catch {
      // A closed channel (page unloading) has nobody to tell.
    }
  }, []);

  /** Reports how getting the session went: an identity the host vouched for and Tether refused is said, never hidden. */
  const report = useCallback(
    (pending: Promise<string>): Promise<string> => {
      pending.then(
        () => {
          setSignInAgain(false);
          reached();
        },
        (error: unknown) => {
          if (isIdentityError(error)) setSignInAgain(true);
          else unreachable();
        },
      );
      return pending;
    },
    [reached, unreachable],
  );

  const currentSession = useCallback(async (): Promise<string> => {
    const session = await ready;
    return report(session.current());
  }, [ready, report]);

  /** Reads events of one turn (sent or resumed) into the state. */
  const consume = useCallback(
    async (turn: ActiveTurn, events: AsyncGenerator<TurnEvent>, sessionOf: string, userText: string) => {
      const { turnId } = turn;
      for await (const event of events) {
        switch (event.event) {
          case 'meta':
            turn.auditId = event.data.auditId;
            dispatch({ type: 'meta', turnId, auditId: event.data.auditId });
            if (event.data.notice) dispatch({ type: 'turnNotice', turnId, key: 'memory', text: event.data.notice });
            reached();
            if (!event.data.replay) {
              tell({
                type: 'started',
                sessionId: sessionOf,
                live: { auditId: event.data.auditId, userText, at: new Date().toISOString(), text: '' },
              });
            }
            if (turn.stopRequested) void requestStopRef.current(turn);
            break;
          case 'delta':
            dispatch({ type: 'delta', turnId, text: event.data.text });
            break;
          case 'done':
            // A stopped reply ends with done: the server kept what had arrived.
            dispatch({
              type: 'done',
              turnId,
              reply: event.data.reply,
              remembered: event.data.remembered,
              at: new Date().toISOString(),
              ...(event.data.stopped ? { stopped: true } : {}),
            });
            break;
        }
      }
    },
    [reached, tell],
  );

  const requestStopRef = useRef(async (_turn: ActiveTurn): Promise<void> => undefined);
  requestStopRef.current = async (turn: ActiveTurn) => {
    if (!turn.auditId) return; // sent once the meta event names the turn
    let stopped = false;
    try {
      stopped = await stopReply(await currentSession(), turn.auditId);
    } catch {
      stopped = false;
    }
    // Not running where we asked (already over, or another server): stop listening at least.
    if (!stopped) {
      turn.controller.abort();
      dispatch({ type: 'stopped', turnId: turn.turnId });
    }
  };

  const sync = useCallback(async () => {
    const id = knownId();
    if (!id || active.current) return;
    try {
      const history = await loadMessages(id);
      if (knownId() !== id || active.current) return;
      dispatch({ type: 'synced', messages: history.messages, notice: history.notice });
      reached();
    } catch (error) {
      if (isNetworkError(error)) unreachable();
    }
  }, [knownId, reached, unreachable]);
  syncRef.current = sync;

  /** Follows a reply already being written (after a reload or a navigation, or sent from another tab). */
  const resume = useCallback(
    async (id: string, live: LiveReplyInfo) => {
      if (active.current) return;
      const turnId = `resume:${live.auditId}`;
      const turn: ActiveTurn = { turnId, controller: new AbortController(), auditId: live.auditId, stopRequested: false };
      active.current = turn;
      dispatch({ type: 'resumed', turnId, auditId: live.auditId, userText: live.userText, at: live.at, text: live.text });
      try {
        // The resume replays the reply from its start: the first piece replaces what was shown.
        let first = true;
        const events = resumeReply(id, live.auditId, turn.controller.signal);
        async function* fromStart(): AsyncGenerator<TurnEvent> {
          for await (const event of events) {
            if (first && event.event === 'delta') {
              first = false;
              dispatch({ type: 'turnRestarted', turnId });
              dispatch({ type: 'meta', turnId, auditId: live.auditId });
            }
            yield event;
          }
        }
        await consume(turn, fromStart(), id, live.userText);
      } catch (error) {
        if (error instanceof ChatApiError && error.code === 'model_aborted') dispatch({ type: 'stopped', turnId });
        else if (error instanceof ChatApiError && error.code !== 'resume_lost' && !turn.controller.signal.aborted) {
          dispatch({ type: 'failed', turnId, message: error.message });
        } else dispatch({ type: 'dropped', turnId });
      } finally {
        if (active.current === turn) active.current = null;
      }
      // The server's memory is the truth once the reply is over (or could not be followed).
      await sync();
    },
    [consume, sync],
  );

  /**
   * Shows the conversation `id` as the server remembers it, and follows a reply still being written.
   * `replaceRejected`: an id the server rejects outright (a stored anonymous one) is replaced by a new session.
   */
  const show = useCallback(
    async (session: ConversationSession, id: string, signal: AbortSignal, replaceRejected: boolean): Promise<string> => {
      let live: LiveReplyInfo | null = null;
      let result = id;
      try {
        const history = await loadMessages(id, signal);
        if (signal.aborted) return id;
        dispatch({ type: 'restored', messages: history.messages, notice: history.notice });
        live = history.live ?? null;
      } catch (error) {
        if (signal.aborted) return id;
        if (replaceRejected && isRejectedSession(error)) {
          session.forget();
          dispatch({ type: 'restored', messages: [], notice: stringsRef.current.errors.sessionReplaced });
          return session.current();
        }
        // The server may still hold the conversation (a timeout, a 5xx), so keep the id and carry on.
        dispatch({ type: 'restored', messages: [], notice: stringsRef.current.errors.historyUnavailable });
        result = id;
      }
      // A reply was still being written when the page went away: pick it up where it is.
      if (live) {
        const following = live;
        queueMicrotask(() => void resume(id, following));
      }
      return result;
    },
    [resume],
  );

  useEffect(() => {
    const controller = new AbortController();
    void ready.then(async (session) => {
      // Strict Mode mounts twice in development; the aborted first mount must not render anything.
      if (controller.signal.aborted) return;
      if (session.signedIn) {
        // A verified customer's id is never stored: their token gets the same conversation again.
        try {
          const id = await report(session.current());
          if (!controller.signal.aborted) await show(session, id, controller.signal, false);
        } catch {
          // Said by `report` (sign in again, or reconnecting); a send tries again.
        }
        return;
      }
      const stored = session.stored();
      if (!stored) {
        // Created up front so the first message does not wait for an extra round trip. A failure
        // shows as "reconnecting" and the first send tries again.
        report(session.current()).catch(() => undefined);
        return;
      }
      report(session.follow(show(session, stored, controller.signal, true))).catch(() => undefined);
    });
    return () => controller.abort();
  }, [ready, report, show]);

  useEffect(() => () => active.current?.controller.abort(), []);

  /** Another conversation is now the one on screen (another tab's "new conversation", a sign-in, a sign-out). */
  const switchTo = useCallback((notice: string | null) => {
    active.current?.controller.abort();
    active.current = null;
    dispatch({ type: 'reset', id: String(Date.now()), notice });
  }, []);

  // The host page's news: a new or refreshed token, a sign-out, the panel opening.
  hostMessageRef.current = (message: HostMessage) => {
    if (message.type === 'open') {
      options.onOpen?.();
      return;
    }
    void ready.then(async (session) => {
      const before = session.id;
      if (message.type === 'identify') {
        try {
          const id = await report(session.identify(message.userToken));
          // A refreshed token for the same customer keeps the open conversation as it is.
          if (id === before) return;
          switchTo(null);
          await show(session, id, new AbortController().signal, false);
        } catch {
          // Said by `report`.
        }
        return;
      }
      switchTo(stringsRef.current.newConversationStarted);
      const id = await report(session.logout()).catch(() => null);
      if (id) tell({ type: 'session', sessionId: id });
    });
  };

  // Other tabs of this origin on the same conversation.
  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return;
    const bc = new BroadcastChannel(CHANNEL);
    channel.current = bc;
    bc.onmessage = (event: MessageEvent<TabMessage>) => {
      const message = event.data;
      if (!message || typeof message !== 'object') return;
      if (message.type === 'session') {
        const session = now();
        if (!session || message.sessionId === session.id || session.signedIn) return;
        void session.adopt(message.sessionId);
        switchTo(stringsRef.current.newConversationStarted);
        return;
      }
      if (message.sessionId !== knownId()) return;
      if (message.type === 'started') void resume(message.sessionId, message.live);
      else void sync();
    };
    return () => {
      bc.close();
      channel.current = null;
    };
  }, [resume, sync, knownId, now, switchTo]);

  // Coming back to a tab refreshes the conversation from the server.
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === 'visible') void sync();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [sync]);

  const runTurn = useCallback(
    async (turnId: string, text: string): Promise<void> => {
      const turn: ActiveTurn = { turnId, controller: new AbortController(), auditId: null, stopRequested: false };
      active.current = turn;
      let renewedSession = false;
      let id: string | null = null;
      try {
        for (;;) {
          try {
            id = await currentSession();
            await consume(turn, sendMessage({ sessionId: id, text, messageId: turnId }, turn.controller.signal), id, text);
            return;
          } catch (error) {
            if (error instanceof ChatApiError && error.code === 'model_aborted') {
              dispatch({ type: 'stopped', turnId });
              return;
            }
            if (turn.controller.signal.aborted) {
              if (turn.stopRequested) dispatch({ type: 'stopped', turnId });
              return;
            }
            // The server no longer knows this session: start a new one and send the same message there, once.
            if (isInvalidSession(error) && !renewedSession) {
              renewedSession = true;
              (await ready).forget();
              dispatch({ type: 'turnNotice', turnId, key: 'session', text: stringsRef.current.errors.sessionReplaced });
              dispatch({ type: 'turnRestarted', turnId });
              continue;
            }
            if (isNetworkError(error)) unreachable();
            const retryAt =
              error instanceof ChatApiError && error.retryAfterSec !== null && error.code === 'rate_limited'
                ? Date.now() + error.retryAfterSec * 1000
                : null;
            dispatch({
              type: 'failed',
              turnId,
              message: isIdentityError(error)
                ? stringsRef.current.signInAgain
                : error instanceof ChatApiError
                  ? error.message
                  : stringsRef.current.errors.server,
              retryAt,
            });
            return;
          }
        }
      } finally {
        if (active.current === turn) active.current = null;
        if (id) tell({ type: 'finished', sessionId: id });
      }
    },
    [currentSession, consume, unreachable, tell, ready],
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

  const stop = () => {
    const turn = active.current;
    if (!turn || turn.stopRequested) return;
    turn.stopRequested = true;
    if (turn.auditId) void requestStopRef.current(turn);
  };

  const newConversation = () => {
    switchTo(strings.newConversationStarted);
    void ready.then((session) =>
      report(session.startNew())
        .then((id) => tell({ type: 'session', sessionId: id }))
        .catch(() => undefined),
    );
  };

  const rate = (auditId: string, rating: Rating | null) => {
    const id = knownId();
    if (!id) return;
    const previous = [...state.restored, ...state.live].find((e) => e.kind === 'assistant' && e.auditId === auditId);
    const before = previous?.kind === 'assistant' ? previous.rating : null;
    dispatch({ type: 'rated', auditId, rating });
    sendFeedback(id, auditId, rating).catch(() => dispatch({ type: 'rated', auditId, rating: before }));
  };

  const entries = [...state.restored, ...state.live];
  const busy = state.live.some((entry) => entry.kind === 'assistant' && entry.status === 'streaming');
  const lastReply = entries.findLast((entry) => entry.kind === 'assistant');
  const blockedUntil =
    lastReply?.kind === 'assistant' && lastReply.retryAt !== null && lastReply.retryAt > Date.now() ? lastReply.retryAt : null;
  return {
    entries,
    connection: state.connection,
    busy,
    blockedUntil,
    send,
    retry,
    stop,
    newConversation,
    rate,
    notKept: sessions.storageKind === 'none' && !now()?.signedIn,
    signInAgain,
  };
}
