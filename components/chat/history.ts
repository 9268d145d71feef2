import type { LiveReplyInfo } from '@/lib/chat/events';
import type { ChatStrings } from '@/lib/copy/strings';
import type { ChatAction } from './chat-state';
import { isNetworkError, isRejectedSession, loadMessages } from './session-client';

/** Loading the conversation as the server remembers it: the browser keeps no copy of its own. */
export interface HistoryDeps {
  dispatch: (action: ChatAction) => void;
  connection: { reached: () => void; unreachable: () => void };
  load?: typeof loadMessages;
}

/** The part of the session that showing a stored conversation may change. */
export interface ShownSession {
  forget(): void;
  current(): Promise<string>;
}

export interface ShowOptions {
  strings: ChatStrings;
  /** Picks up a reply that was still being written when the page went away. */
  follow: (sessionId: string, live: LiveReplyInfo) => void;
  signal: AbortSignal;
  /** An id the server rejects outright (a stored anonymous one) is replaced by a new session. */
  replaceRejected: boolean;
}

/** Shows the conversation `id` as the server remembers it; resolves to the id to carry on with. */
export async function showConversation(
  deps: HistoryDeps,
  session: ShownSession,
  id: string,
  { strings, follow, signal, replaceRejected }: ShowOptions,
): Promise<string> {
  const { dispatch } = deps;
  const load = deps.load ?? loadMessages;
  let live: LiveReplyInfo | null = null;
  try {
    const history = await load(id, signal);
    if (signal.aborted) return id;
    dispatch({ type: 'restored', messages: history.messages, notice: history.notice, conversation: history.conversation ?? null });
    live = history.live ?? null;
  } catch (error) {
    if (signal.aborted) return id;
    if (replaceRejected && isRejectedSession(error)) {
      session.forget();
      dispatch({ type: 'restored', messages: [], notice: strings.errors.sessionReplaced });
      return session.current();
    }
    // The server may still hold the conversation (a timeout, a 5xx), so keep the id and carry on.
    dispatch({ type: 'restored', messages: [], notice: strings.errors.historyUnavailable });
  }
  // A reply was still being written when the page went away: pick it up where it is.
  if (live) {
    const following = live;
    queueMicrotask(() => follow(id, following));
  }
  return id;
}

/**
 * Refreshes the conversation on screen from the server (another tab's turn, a tab shown again, the
 * service back). Skipped while a turn runs here, and dropped if the conversation changed meanwhile.
 */
export async function syncConversation(
  deps: HistoryDeps,
  knownId: () => string | null,
  busy: () => boolean,
): Promise<void> {
  const id = knownId();
  if (!id || busy()) return;
  const load = deps.load ?? loadMessages;
  try {
    const history = await load(id);
    if (knownId() !== id || busy()) return;
    deps.dispatch({ type: 'synced', messages: history.messages, notice: history.notice, conversation: history.conversation ?? null });
    deps.connection.reached();
  } catch (error) {
    if (isNetworkError(error)) deps.connection.unreachable();
  }
}
