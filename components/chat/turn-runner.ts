import type { LiveReplyInfo } from '@/lib/chat/events';
import type { ChatStrings } from '@/lib/copy/strings';
import type { ChatAction } from './chat-state';
import {
  apiError,
  isIdentityError,
  isInvalidSession,
  isNetworkError,
  resumeReply,
  sendMessage,
  stopReply,
  type TurnEvent,
} from './session-client';
import type { TabMessage } from './tab-news';

/** The server calls a turn makes; unit tests pass their own. */
export interface TurnApi {
  send: typeof sendMessage;
  resume: typeof resumeReply;
  stop: typeof stopReply;
}

const HTTP_API: TurnApi = { send: sendMessage, resume: resumeReply, stop: stopReply };

export interface TurnRunnerDeps {
  dispatch: (action: ChatAction) => void;
  /** The conversation's id, opened on first need (the caller reports how that went). */
  sessionId: () => Promise<string>;
  /** The server no longer knows the id: the next `sessionId()` opens a new one. */
  forgetSession: () => Promise<void>;
  connection: { reached: () => void; unreachable: () => void };
  /** Other tabs on the same conversation follow the turn. */
  tell: (message: TabMessage) => void;
  api?: TurnApi;
}

interface ActiveTurn {
  readonly turnId: string;
  readonly controller: AbortController;
  auditId: string | null;
  stopRequested: boolean;
  /** The message went to a person: no reply came, and none will. */
  held: boolean;
}

/** crypto.randomUUID exists only in secure contexts, so opening the dev server by LAN IP over http needs this. */
export function newMessageId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40; // version 4
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Runs the chat's turns: a message sent from this page, or a reply already being written that this page
 * follows, and the customer's Stop. One turn at a time, as the server serialises a session's turns;
 * the turn in progress lives here and nowhere else.
 */
export class TurnRunner {
  private active: ActiveTurn | null = null;
  private readonly api: TurnApi;

  constructor(private readonly deps: TurnRunnerDeps) {
    this.api = deps.api ?? HTTP_API;
  }

  /** A turn is running (a history reload would race it). */
  get busy(): boolean {
    return this.active !== null;
  }

  /**
   * Sends `text` as turn `turnId` (a retry sends the same id again) and streams the reply into the
   * state. True when the message went to a person instead (no reply from the model).
   */
  async send(turnId: string, text: string, strings: ChatStrings): Promise<boolean> {
    const { dispatch, connection } = this.deps;
    const turn: ActiveTurn = { turnId, controller: new AbortController(), auditId: null, stopRequested: false, held: false };
    this.active = turn;
    let renewedSession = false;
    let id: string | null = null;
    try {
      for (;;) {
        try {
          id = await this.deps.sessionId();
          const events = this.api.send({ sessionId: id, text, messageId: turnId }, turn.controller.signal);
          await this.consume(turn, events, id, text);
          return turn.held;
        } catch (error) {
          const failure = apiError(error);
          if (failure?.code === 'model_aborted') {
            dispatch({ type: 'stopped', turnId });
            return false;
          }
          if (turn.controller.signal.aborted) {
            if (turn.stopRequested) dispatch({ type: 'stopped', turnId });
            return false;
          }
          // The server no longer knows this session: start a new one and send the same message there, once.
          if (isInvalidSession(error) && !renewedSession) {
            renewedSession = true;
            await this.deps.forgetSession();
            dispatch({ type: 'turnNotice', turnId, key: 'session', text: strings.errors.sessionReplaced });
            dispatch({ type: 'turnRestarted', turnId });
            continue;
          }
          if (isNetworkError(error)) connection.unreachable();
          const retryAt =
            failure?.code === 'rate_limited' && failure.retryAfterSec !== null
              ? Date.now() + failure.retryAfterSec * 1000
              : null;
          const message = isIdentityError(error) ? strings.signInAgain : (failure?.message ?? strings.errors.server);
          dispatch({ type: 'failed', turnId, message, retryAt });
          return false;
        }
      }
    } finally {
      if (this.active === turn) this.active = null;
      if (id) this.deps.tell({ type: 'finished', sessionId: id });
    }
  }

  /**
   * Follows a reply already being written (after a reload or a navigation, or sent from another tab).
   * False when another turn is running here, so nothing was followed.
   */
  async resume(sessionId: string, live: LiveReplyInfo): Promise<boolean> {
    if (this.active) return false;
    const { dispatch } = this.deps;
    const turnId = `resume:${live.auditId}`;
    const turn: ActiveTurn = {
      turnId,
      controller: new AbortController(),
      auditId: live.auditId,
      stopRequested: false,
      held: false,
    };
    this.active = turn;
    dispatch({ type: 'resumed', turnId, auditId: live.auditId, userText: live.userText, at: live.at, text: live.text });
    try {
      // The resume replays the reply from its start: the first piece replaces what was shown.
      let first = true;
      const events = this.api.resume(sessionId, live.auditId, turn.controller.signal);
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
      await this.consume(turn, fromStart(), sessionId, live.userText);
    } catch (error) {
      const failure = apiError(error);
      if (failure?.code === 'model_aborted') dispatch({ type: 'stopped', turnId });
      else if (failure && failure.code !== 'resume_lost' && !turn.controller.signal.aborted) {
        dispatch({ type: 'failed', turnId, message: failure.message });
      } else dispatch({ type: 'dropped', turnId });
    } finally {
      if (this.active === turn) this.active = null;
    }
    return true;
  }

  /** The customer's Stop: asked of the server once the turn has an audit id (at once, or when it arrives). */
  stop(): void {
    const turn = this.active;
    if (!turn || turn.stopRequested) return;
    turn.stopRequested = true;
    if (turn.auditId) void this.requestStop(turn);
  }

  /** Another conversation is on screen (or the chat is gone): stop listening to the running turn. */
  abandon(): void {
    this.active?.controller.abort();
    this.active = null;
  }

  /** Reads events of one turn (sent or resumed) into the state. */
  private async consume(turn: ActiveTurn, events: AsyncGenerator<TurnEvent>, sessionId: string, userText: string) {
    const { dispatch } = this.deps;
    const { turnId } = turn;
    for await (const event of events) {
      switch (event.event) {
        case 'meta':
          turn.auditId = event.data.auditId;
          dispatch({ type: 'meta', turnId, auditId: event.data.auditId });
          if (event.data.notice) dispatch({ type: 'turnNotice', turnId, key: 'memory', text: event.data.notice });
          this.deps.connection.reached();
          if (!event.data.replay) {
            this.deps.tell({
              type: 'started',
              sessionId,
              live: { auditId: event.data.auditId, userText, at: new Date().toISOString(), text: '' },
            });
          }
          if (turn.stopRequested) void this.requestStop(turn);
          if (event.data.conversation) dispatch({ type: 'conversation', conversation: event.data.conversation });
          break;
        case 'handoff':
          // The model asked for a person: its words before the request stream as usual.
          dispatch({ type: 'handoff', conversation: event.data.conversation, notice: event.data.notice });
          break;
        case 'delta':
          dispatch({ type: 'delta', turnId, text: event.data.text });
          break;
        case 'done':
          if (event.data.held) {
            turn.held = true;
            dispatch({ type: 'held', turnId, auditId: event.data.auditId });
            break;
          }
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
  }

  private async requestStop(turn: ActiveTurn): Promise<void> {
    if (!turn.auditId) return; // sent once the meta event names the turn
    let stopped = false;
    try {
      stopped = await this.api.stop(await this.deps.sessionId(), turn.auditId);
    } catch {
      stopped = false;
    }
    // Not running where we asked (already over, or another server): stop listening at least.
    if (!stopped) {
      turn.controller.abort();
      this.deps.dispatch({ type: 'stopped', turnId: turn.turnId });
    }
  }
}
