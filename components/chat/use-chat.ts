import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { LiveReplyInfo } from '@/lib/chat/events';
import type { ChatStrings } from '@/lib/copy/strings';
import {
  chatReducer,
  entriesOf,
  initialChatState,
  turnText,
  withPerson,
  type Connection,
  type ConversationInfo,
  type Rating,
  type ShownEntry,
} from './chat-state';
import { showConversation, syncConversation } from './history';
import type { HostMessage } from './host-protocol';
import { rateReply } from './ratings';
import { apiError, requestHandoff } from './session-client';
import type { ConversationSession } from './session-store';
import { tabNews, type TabMessage } from './tab-news';
import { newMessageId, TurnRunner } from './turn-runner';
import { UpdatesLoop } from './updates-loop';
import { useConnection, useProbe } from './use-connection';
import { useHostMessages, useSession, useSessionReport } from './use-session';

export interface ChatController {
  entries: ShownEntry[];
  /** Who answers the conversation, once the server said. */
  conversation: ConversationInfo | null;
  /** What the customer was told when a person was asked for (while one is asked for or answering). */
  handoffNotice: string | null;
  /** "Talk to a person" was pressed and the server has not answered yet. */
  asking: boolean;
  askForPerson: () => void;
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

/**
 * The chat's state and what the customer can do, wired from small parts: the session store
 * (session-store.ts), the connection report and probe (use-connection.ts), the turn runner
 * (turn-runner.ts), the history (history.ts), ratings (ratings.ts) and the other tabs (tab-news.ts).
 */
export function useChat(strings: ChatStrings, options: UseChatOptions = {}): ChatController {
  const { hostOrigin = null, onOpen } = options;
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const { source, snapshot } = useSession(hostOrigin);
  const connection = useConnection(dispatch);
  const { report, signInAgain } = useSessionReport(connection);
  const [tabs] = useState(() => tabNews());

  const sessionId = useCallback(async () => report((await source.ready).current()), [source, report]);
  /** The id of the conversation on screen, once known (feedback and other tabs' news need no new session). */
  const knownId = useCallback(() => source.now()?.id ?? null, [source]);
  // One runner per page view: what it is given (the session, the connection, the tabs) lives as long.
  const [runner] = useState(
    () =>
      new TurnRunner({
        dispatch,
        sessionId,
        forgetSession: async () => (await source.ready).forget(),
        connection,
        tell: tabs.tell,
      }),
  );

  const sync = useCallback(
    () => syncConversation({ dispatch, connection }, knownId, () => runner.busy),
    [connection, knownId, runner],
  );
  /** Follows a reply being written, then takes the server's memory as the truth once it is over. */
  const follow = useCallback(
    async (id: string, live: LiveReplyInfo) => {
      if (await runner.resume(id, live)) await sync();
    },
    [runner, sync],
  );
  // The wait for what a person does: one loop per page, while a person is asked for or answering.
  const latestSync = useRef(sync);
  latestSync.current = sync;
  const [loop] = useState(() => new UpdatesLoop({ onNews: () => latestSync.current() }));
  const personActive = withPerson(state.conversation);
  const version = useRef<number | null>(null);
  version.current = state.conversation?.version ?? null;
  useEffect(() => {
    if (!personActive) {
      loop.stop();
      return;
    }
    const start = () => {
      const id = knownId();
      if (id) loop.start(id, version.current ?? 0);
    };
    start();
    // A page leaving (or put in the back/forward cache) ends its wait; one shown again resumes it.
    const onPageHide = () => loop.stop();
    const onPageShow = () => start();
    window.addEventListener('pagehide', onPageHide);
    window.addEventListener('pageshow', onPageShow);
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      window.removeEventListener('pageshow', onPageShow);
      loop.stop();
    };
  }, [personActive, loop, knownId]);

  const show = useCallback(
    (session: ConversationSession, id: string, signal: AbortSignal, replaceRejected: boolean) =>
      showConversation({ dispatch, connection }, session, id, {
        strings,
        follow: (sessionId, live) => void follow(sessionId, live),
        signal,
        replaceRejected,
      }),
    [connection, strings, follow],
  );
  /** Another conversation is now the one on screen (another tab's "new conversation", a sign-in, a sign-out). */
  const switchTo = useCallback(
    (notice: string | null) => {
      runner.abandon();
      dispatch({ type: 'reset', id: String(Date.now()), notice });
    },
    [runner],
  );

  // The host page's news: a new or refreshed token, a sign-out, the panel opening.
  const onHostMessage = useCallback(
    (message: HostMessage) => {
      if (message.type === 'open') {
        onOpen?.();
        return;
      }
      void source.ready.then(async (session) => {
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
        switchTo(strings.newConversationStarted);
        const id = await report(session.logout()).catch(() => null);
        if (id) tabs.tell({ type: 'session', sessionId: id });
      });
    },
    [onOpen, source, report, switchTo, show, strings, tabs],
  );
  useHostMessages(hostOrigin, onHostMessage);

  // A probe got through: open the session if start-up could not, and reload what may have been missed.
  const onBack = useCallback(() => {
    const session = source.now();
    if (session && !session.id) sessionId().catch(() => undefined);
    void sync();
  }, [source, sessionId, sync]);
  useProbe(state.connection, connection, onBack);

  useEffect(() => {
    const controller = new AbortController();
    void source.ready.then(async (session) => {
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
  }, [source, report, show]);

  useEffect(() => () => runner.abandon(), [runner]);

  // Other tabs of this origin on the same conversation.
  useEffect(
    () =>
      tabs.listen((message: TabMessage) => {
        if (message.type === 'session') {
          const session = source.now();
          if (!session || message.sessionId === session.id || session.signedIn) return;
          void session.adopt(message.sessionId);
          switchTo(strings.newConversationStarted);
          return;
        }
        if (message.sessionId !== knownId()) return;
        if (message.type === 'started') void follow(message.sessionId, message.live);
        else void sync();
      }),
    [tabs, source, knownId, switchTo, strings, follow, sync],
  );

  // Coming back to a tab refreshes the conversation from the server.
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === 'visible') void sync();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [sync]);

  // A message held for a person is in the server's history now; a reload the wait skipped while it
  // was being sent happens here.
  const sendTurn = (turnId: string, text: string) =>
    void runner.send(turnId, text, strings).then((held) => {
      if (held) void sync();
    });

  const send = (text: string) => {
    const turnId = newMessageId();
    dispatch({ type: 'turnStarted', turnId, text, at: new Date().toISOString() });
    sendTurn(turnId, text);
  };

  const retry = (turnId: string) => {
    const text = turnText(state, turnId);
    if (text === null) return;
    dispatch({ type: 'turnRestarted', turnId });
    sendTurn(turnId, text);
  };

  const [asking, setAsking] = useState(false);
  const askForPerson = () => {
    if (asking) return;
    setAsking(true);
    void (async () => {
      try {
        const answer = await requestHandoff(await sessionId());
        dispatch({ type: 'handoff', conversation: answer.conversation, notice: answer.notice });
        connection.reached();
      } catch (error) {
        const message = apiError(error)?.message ?? strings.errors.server;
        dispatch({ type: 'handoffFailed', id: String(Date.now()), message });
      } finally {
        setAsking(false);
      }
    })();
  };

  const newConversation = () => {
    switchTo(strings.newConversationStarted);
    void source.ready.then((session) =>
      report(session.startNew())
        .then((id) => tabs.tell({ type: 'session', sessionId: id }))
        .catch(() => undefined),
    );
  };

  const entries = entriesOf(state);

  const rate = (auditId: string, rating: Rating | null) => {
    const id = knownId();
    if (id) void rateReply([...state.restored, ...state.live], id, auditId, rating, dispatch);
  };

  const busy = state.live.some((entry) => entry.kind === 'assistant' && entry.status === 'streaming');
  const lastReply = entries.findLast((entry) => entry.kind === 'assistant');
  const blockedUntil =
    lastReply?.kind === 'assistant' && lastReply.retryAt !== null && lastReply.retryAt > Date.now()
      ? lastReply.retryAt
      : null;
  return {
    entries,
    conversation: state.conversation,
    handoffNotice: state.handoffNotice,
    asking,
    askForPerson,
    connection: state.connection,
    busy,
    blockedUntil,
    send,
    retry,
    stop: () => runner.stop(),
    newConversation,
    rate,
    notKept: snapshot.storageKind === 'none' && !snapshot.signedIn,
    signInAgain,
  };
}
