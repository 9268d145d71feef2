import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { LiveReplyInfo } from '@/lib/chat/events';
import { chatReducer, initialChatState, turnText, type Connection, type Entry, type Rating } from './chat-state';
import {
  ChatApiError,
  createSession,
  isInvalidSession,
  loadMessages,
  probeService,
  resumeReply,
  sendFeedback,
  sendMessage,
  stopReply,
  type TurnEvent,
} from './session-client';
import type { ChatStrings } from './strings';

/** The only thing the browser stores: the conversation itself lives on the server. */
const SESSION_KEY = 'tether.sessionId';
/** Tabs of this origin tell each other about turns, so a second tab on the same conversation keeps up. */
const CHANNEL = 'tether.chat';
/** Probe back-off while the service cannot be reached; after this many failed probes the header says offline. */
const PROBE_DELAYS_MS = [1000, 2000, 4000, 8000, 15000];
const OFFLINE_AFTER_PROBES = 3;

type TabMessage =
  | { type: 'started'; sessionId: string; live: LiveReplyInfo }
  | { type: 'finished'; sessionId: string }
  | { type: 'session'; sessionId: string };

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
}

export function useChat(strings: ChatStrings): ChatController {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  /** The session every turn goes to; a promise so a send made during start-up waits for it. */
  const session = useRef<Promise<string> | null>(null);
  const sessionId = useRef<string | null>(null);
  const active = useRef<ActiveTurn | null>(null);
  const channel = useRef<BroadcastChannel | null>(null);
  const failedProbes = useRef(0);
  /** Re-arms the probe timer after each failed probe (the connection state may not change). */
  const [probeTick, setProbeTick] = useState(0);
  const stringsRef = useRef(strings);
  stringsRef.current = strings;

  const tell = useCallback((message: TabMessage) => {
    try {
      channel.current?.postMessage(message);
    } catch {
      // A closed channel (page unloading) has nobody to tell.
    }
  }, []);

  /** Every real request reports here, so the header shows what actually happened. */
  const reached = useCallback(() => {
    failedProbes.current = 0;
    dispatch({ type: 'connection', connection: 'online' });
  }, []);
  const unreachable = useCallback(() => {
    dispatch({ type: 'connection', connection: navigator.onLine === false ? 'offline' : 'reconnecting' });
  }, []);

  const adoptSession = useCallback(
    (pending: Promise<string>): Promise<string> => {
      session.current = pending;
      // Only the latest attempt reports status; an aborted Strict Mode load must not claim "online".
      pending.then(
        (id) => {
          if (session.current !== pending) return;
          sessionId.current = id;
          reached();
        },
        () => {
          if (session.current !== pending) return;
          // Forget a failed attempt so the next send tries again instead of failing forever.
          session.current = null;
          unreachable();
        },
      );
      return pending;
    },
    [reached, unreachable],
  );

  const createStoredSession = useCallback(async (): Promise<string> => {
    const created = await createSession();
    storeSessionId(created.sessionId);
    return created.sessionId;
  }, []);

  const currentSession = useCallback(
    () => session.current ?? adoptSession(createStoredSession()),
    [adoptSession, createStoredSession],
  );

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
    const id = sessionId.current;
    if (!id || active.current) return;
    try {
      const history = await loadMessages(id);
      if (sessionId.current !== id || active.current) return;
      dispatch({ type: 'synced', messages: history.messages, notice: history.notice });
      reached();
    } catch (error) {
      if (isNetworkError(error)) unreachable();
    }
  }, [reached, unreachable]);

  /** Follows a reply already being written (after a reload, or sent from another tab). */
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

  useEffect(() => {
    const stored = readStoredSessionId();
    if (!stored) {
      // Created up front so the first message does not wait for an extra round trip. A failure
      // shows as "reconnecting" and the first send tries again.
      currentSession().catch(() => undefined);
      return;
    }

    const controller = new AbortController();
    let live: LiveReplyInfo | null = null;
    const restore = async (): Promise<string> => {
      try {
        const history = await loadMessages(stored, controller.signal);
        if (!controller.signal.aborted) {
          dispatch({ type: 'restored', messages: history.messages, notice: history.notice });
          live = history.live ?? null;
        }
        return stored;
      } catch (error) {
        if (controller.signal.aborted) return stored;
        if (isRejectedSession(error)) {
          storeSessionId(null);
          dispatch({ type: 'restored', messages: [], notice: stringsRef.current.errors.sessionReplaced });
          return createStoredSession();
        }
        // The server may still hold the conversation (a timeout, a 5xx), so keep the id and carry on.
        dispatch({ type: 'restored', messages: [], notice: stringsRef.current.errors.historyUnavailable });
        return stored;
      }
    };
    adoptSession(restore())
      .then((id) => {
        // A reply was still being written when the page went away: pick it up where it is.
        if (live && !controller.signal.aborted) void resume(id, live);
      })
      .catch(() => undefined);
    // Strict Mode mounts twice in development; the aborted first load must not render anything.
    return () => controller.abort();
  }, [currentSession, adoptSession, createStoredSession, resume]);

  useEffect(() => () => active.current?.controller.abort(), []);

  // Other tabs of this origin on the same conversation.
  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return;
    const bc = new BroadcastChannel(CHANNEL);
    channel.current = bc;
    bc.onmessage = (event: MessageEvent<TabMessage>) => {
      const message = event.data;
      if (!message || typeof message !== 'object') return;
      if (message.type === 'session') {
        if (message.sessionId === sessionId.current) return;
        active.current?.controller.abort();
        active.current = null;
        session.current = Promise.resolve(message.sessionId);
        sessionId.current = message.sessionId;
        dispatch({ type: 'reset', id: message.sessionId.slice(-8), notice: stringsRef.current.newConversationStarted });
        return;
      }
      if (message.sessionId !== sessionId.current) return;
      if (message.type === 'started') void resume(message.sessionId, message.live);
      else void sync();
    };
    return () => {
      bc.close();
      channel.current = null;
    };
  }, [resume, sync]);

  // Coming back to a tab (or the network coming back) refreshes the conversation from the server.
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === 'visible') void sync();
    };
    const onOffline = () => dispatch({ type: 'connection', connection: 'offline' });
    const onOnline = () => {
      failedProbes.current = 0;
      dispatch({ type: 'connection', connection: 'reconnecting' });
    };
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('offline', onOffline);
    window.addEventListener('online', onOnline);
    if (navigator.onLine === false) onOffline();
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
    };
  }, [sync]);

  // While the service cannot be reached, probe it with back-off; the first answer brings us back online.
  useEffect(() => {
    if (state.connection !== 'reconnecting' && state.connection !== 'offline') return;
    if (state.connection === 'offline' && navigator.onLine === false) return; // the 'online' event wakes us
    const controller = new AbortController();
    const delay = PROBE_DELAYS_MS[Math.min(failedProbes.current, PROBE_DELAYS_MS.length - 1)] ?? 15000;
    const timer = setTimeout(async () => {
      const ok = await probeService(controller.signal);
      if (controller.signal.aborted) return;
      if (ok) {
        reached();
        if (!session.current) currentSession().catch(() => undefined);
        void sync();
        return;
      }
      failedProbes.current += 1;
      dispatch({ type: 'connection', connection: failedProbes.current >= OFFLINE_AFTER_PROBES ? 'offline' : 'reconnecting' });
      setProbeTick((tick) => tick + 1);
    }, delay);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [state.connection, probeTick, reached, currentSession, sync]);

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
              storeSessionId(null);
              session.current = null;
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
              message: error instanceof ChatApiError ? error.message : stringsRef.current.errors.server,
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
    [currentSession, consume, unreachable, tell],
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
    active.current?.controller.abort();
    active.current = null;
    storeSessionId(null);
    session.current = null;
    sessionId.current = null;
    const pending = adoptSession(createStoredSession());
    dispatch({ type: 'reset', id: String(Date.now()), notice: strings.newConversationStarted });
    pending.then((id) => tell({ type: 'session', sessionId: id })).catch(() => undefined);
  };

  const rate = (auditId: string, rating: Rating | null) => {
    const id = sessionId.current;
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
  return { entries, connection: state.connection, busy, blockedUntil, send, retry, stop, newConversation, rate };
}
