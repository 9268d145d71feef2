import type { RememberedMessage } from '@/lib/chat/events';

export type ReplyStatus = 'streaming' | 'done' | 'error' | 'stopped';
export type Rating = 'up' | 'down';

/** `turnId` is the messageId of a turn sent from this page; null for messages restored from the server. */
export interface UserEntry {
  kind: 'user';
  id: string;
  turnId: string | null;
  text: string;
  at: string;
}

export interface AssistantEntry {
  kind: 'assistant';
  id: string;
  turnId: string | null;
  text: string;
  at: string;
  status: ReplyStatus;
  error: string | null;
  /** False when the server could not save the reply, so later turns and a reload will not include it. */
  remembered: boolean;
  /** The turn's audit id (from the `meta` event, or the server's history): what stop and feedback refer to. */
  auditId: string | null;
  rating: Rating | null;
  /** When a rate-limited customer may send again (epoch ms); null otherwise. */
  retryAt: number | null;
}

export interface NoticeEntry {
  kind: 'notice';
  id: string;
  text: string;
  turnId?: string;
}

export type Entry = UserEntry | AssistantEntry | NoticeEntry;

/** What the header tells: the outcome of real requests and probes, never a promise. */
export type Connection = 'connecting' | 'online' | 'reconnecting' | 'offline';

export interface ChatState {
  /** What the server remembered when the page loaded; replaced as a whole, so a repeated load cannot duplicate it. */
  restored: Entry[];
  /** Turns and notices from this page view, in the order they happened. */
  live: Entry[];
  connection: Connection;
}

export type ChatAction =
  | { type: 'restored'; messages: RememberedMessage[]; notice: string | null }
  | { type: 'connection'; connection: Connection }
  | { type: 'turnStarted'; turnId: string; text: string; at: string }
  | { type: 'turnNotice'; turnId: string; key: string; text: string }
  | { type: 'turnRestarted'; turnId: string }
  | { type: 'delta'; turnId: string; text: string }
  | { type: 'done'; turnId: string; reply: string; remembered: boolean; at: string; stopped?: boolean }
  | { type: 'failed'; turnId: string; message: string; retryAt?: number | null }
  | { type: 'meta'; turnId: string; auditId: string }
  | { type: 'stopped'; turnId: string }
  | { type: 'rated'; auditId: string; rating: Rating | null }
  | { type: 'reset'; id: string; notice: string | null }
  | { type: 'synced'; messages: RememberedMessage[]; notice: string | null }
  | { type: 'dropped'; turnId: string }
  | { type: 'resumed'; turnId: string; auditId: string; userText: string; at: string; text: string };

export const initialChatState: ChatState = { restored: [], live: [], connection: 'connecting' };

const userEntryId = (turnId: string) => `${turnId}:user`;
const replyEntryId = (turnId: string) => `${turnId}:reply`;

function fromRemembered(message: RememberedMessage, index: number): Entry {
  const id = `restored:${index}`;
  return message.role === 'user'
    ? { kind: 'user', id, turnId: null, text: message.text, at: message.at }
    : {
        kind: 'assistant',
        id,
        turnId: null,
        text: message.text,
        at: message.at,
        status: 'done',
        error: null,
        remembered: true,
        auditId: message.auditId,
        rating: message.rating ?? null,
        retryAt: null,
      };
}

function streamingReply(turnId: string, at: string, auditId: string | null, text: string): AssistantEntry {
  const base = { kind: 'assistant' as const, id: replyEntryId(turnId), turnId, text, at, status: 'streaming' as const };
  return { ...base, error: null, remembered: true, auditId, rating: null, retryAt: null };
}

/** Ratings already given survive a refresh of the history. */
function keepRatings(entries: Entry[], previous: Entry[]): Entry[] {
  const ratings = new Map<string, Rating>();
  for (const e of previous) if (e.kind === 'assistant' && e.auditId && e.rating) ratings.set(e.auditId, e.rating);
  return entries.map((e) => (e.kind === 'assistant' && e.auditId && ratings.has(e.auditId) ? { ...e, rating: ratings.get(e.auditId)! } : e));
}

function updateReply(live: Entry[], turnId: string, update: (reply: AssistantEntry) => AssistantEntry): Entry[] {
  const id = replyEntryId(turnId);
  return live.map((entry) => (entry.kind === 'assistant' && entry.id === id ? update(entry) : entry));
}

/** A notice belongs just above the reply it explains; the same notice repeated on a retry replaces the first. */
function upsertTurnNotice(live: Entry[], turnId: string, key: string, text: string): Entry[] {
  const id = `${turnId}:${key}`;
  if (live.some((entry) => entry.id === id)) {
    return live.map((entry) => (entry.id === id ? { kind: 'notice', id, text, turnId } : entry));
  }
  const replyIndex = live.findIndex((entry) => entry.id === replyEntryId(turnId));
  if (replyIndex === -1) return live;
  return [...live.slice(0, replyIndex), { kind: 'notice', id, text, turnId }, ...live.slice(replyIndex)];
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'restored': {
      const restored = action.messages.map(fromRemembered);
      if (action.notice) restored.push({ kind: 'notice', id: 'restored:notice', text: action.notice });
      return { ...state, restored };
    }
    case 'connection':
      return { ...state, connection: action.connection };
    case 'turnStarted':
      return {
        ...state,
        live: [
          ...state.live,
          { kind: 'user', id: userEntryId(action.turnId), turnId: action.turnId, text: action.text, at: action.at },
          streamingReply(action.turnId, action.at, null, ''),
        ],
      };
    case 'turnNotice': {
      // Told once: the notice shown when the page loaded (e.g. memory expired) is not repeated by
      // the first turn after it, which the server reports with the same status.
      const shownOnLoad = state.restored.some((entry) => entry.kind === 'notice' && entry.text === action.text);
      const firstTurn = state.live.every((entry) => entry.kind !== 'notice' && entry.turnId === action.turnId);
      if (shownOnLoad && firstTurn) return state;
      return { ...state, live: upsertTurnNotice(state.live, action.turnId, action.key, action.text) };
    }
    case 'turnRestarted':
      return {
        ...state,
        live: updateReply(state.live, action.turnId, (reply) => ({
          ...reply,
          text: '',
          status: 'streaming',
          error: null,
          retryAt: null,
          auditId: null,
        })),
      };
    case 'delta':
      return {
        ...state,
        live: updateReply(state.live, action.turnId, (reply) => ({ ...reply, text: reply.text + action.text })),
      };
    case 'done':
      // The final reply is authoritative: it corrects anything a lost or reordered delta got wrong.
      return {
        ...state,
        live: updateReply(state.live, action.turnId, (reply) => ({
          ...reply,
          text: action.reply,
          remembered: action.remembered,
          at: action.at,
          status: action.stopped ? 'stopped' : 'done',
          error: null,
        })),
      };
    case 'failed':
      return {
        ...state,
        live: updateReply(state.live, action.turnId, (reply) => ({
          ...reply,
          status: 'error',
          error: action.message,
          retryAt: action.retryAt ?? null,
        })),
      };
    case 'meta':
      return { ...state, live: updateReply(state.live, action.turnId, (reply) => ({ ...reply, auditId: action.auditId })) };
    case 'stopped':
      return {
        ...state,
        live: updateReply(state.live, action.turnId, (reply) =>
          reply.status === 'streaming' ? { ...reply, status: 'stopped', error: null } : reply,
        ),
      };
    case 'rated': {
      const rate = (e: Entry): Entry =>
        e.kind === 'assistant' && e.auditId === action.auditId ? { ...e, rating: action.rating } : e;
      return { ...state, restored: state.restored.map(rate), live: state.live.map(rate) };
    }
    case 'reset': {
      const live: Entry[] = action.notice ? [{ kind: 'notice', id: `reset:${action.id}`, text: action.notice }] : [];
      return { ...state, restored: [], live };
    }
    case 'synced': {
      // The server's history now holds these turns: drop this page's copies of them.
      const known = new Set(action.messages.map((m) => m.auditId));
      const doneTurns = new Set(
        state.live.filter((e) => e.kind === 'assistant' && e.auditId && known.has(e.auditId)).map((e) => e.turnId),
      );
      const live = state.live.filter((e) => !(e.turnId && doneTurns.has(e.turnId)));
      const restored = action.messages.map(fromRemembered);
      if (action.notice) restored.push({ kind: 'notice', id: 'restored:notice', text: action.notice });
      return { ...state, restored: keepRatings(restored, [...state.restored, ...state.live]), live };
    }
    case 'dropped':
      // A resumed reply that could not be followed: the server's history will say how it ended.
      return { ...state, live: state.live.filter((e) => e.turnId !== action.turnId) };
    case 'resumed': {
      if (state.live.some((e) => e.id === replyEntryId(action.turnId))) return state;
      return {
        ...state,
        live: [
          ...state.live,
          { kind: 'user', id: userEntryId(action.turnId), turnId: action.turnId, text: action.userText, at: action.at },
          streamingReply(action.turnId, action.at, action.auditId, action.text),
        ],
      };
    }
  }
}

/** The reply of a turn sent or resumed on this page. */
export function replyOf(state: ChatState, turnId: string): AssistantEntry | null {
  const entry = state.live.find((e) => e.id === replyEntryId(turnId));
  return entry?.kind === 'assistant' ? entry : null;
}

/** The text of a turn sent from this page, so a retry can re-send exactly the same message. */
export function turnText(state: ChatState, turnId: string): string | null {
  const entry = state.live.find((e) => e.id === userEntryId(turnId));
  return entry?.kind === 'user' ? entry.text : null;
}
