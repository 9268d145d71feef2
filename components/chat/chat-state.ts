import type { RememberedMessage } from '@/lib/chat/events';

export type ReplyStatus = 'streaming' | 'done' | 'error';

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
}

export interface NoticeEntry {
  kind: 'notice';
  id: string;
  text: string;
}

export type Entry = UserEntry | AssistantEntry | NoticeEntry;

export type Connection = 'connecting' | 'ready' | 'offline';

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
  | { type: 'done'; turnId: string; reply: string; remembered: boolean; at: string }
  | { type: 'failed'; turnId: string; message: string };

export const initialChatState: ChatState = { restored: [], live: [], connection: 'connecting' };

const userEntryId = (turnId: string) => `${turnId}:user`;
const replyEntryId = (turnId: string) => `${turnId}:reply`;

function fromRemembered(message: RememberedMessage, index: number): Entry {
  const id = `restored:${index}`;
  return message.role === 'user'
    ? { kind: 'user', id, turnId: null, text: message.text, at: message.at }
    : { kind: 'assistant', id, turnId: null, text: message.text, at: message.at, status: 'done', error: null, remembered: true };
}

function updateReply(live: Entry[], turnId: string, update: (reply: AssistantEntry) => AssistantEntry): Entry[] {
  const id = replyEntryId(turnId);
  return live.map((entry) => (entry.kind === 'assistant' && entry.id === id ? update(entry) : entry));
}

/** A notice belongs just above the reply it explains; the same notice repeated on a retry replaces the first. */
function upsertTurnNotice(live: Entry[], turnId: string, key: string, text: string): Entry[] {
  const id = `${turnId}:${key}`;
  if (live.some((entry) => entry.id === id)) {
    return live.map((entry) => (entry.id === id ? { kind: 'notice', id, text } : entry));
  }
  const replyIndex = live.findIndex((entry) => entry.id === replyEntryId(turnId));
  if (replyIndex === -1) return live;
  return [...live.slice(0, replyIndex), { kind: 'notice', id, text }, ...live.slice(replyIndex)];
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
          {
            kind: 'assistant',
            id: replyEntryId(action.turnId),
            turnId: action.turnId,
            text: '',
            at: action.at,
            status: 'streaming',
            error: null,
            remembered: true,
          },
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
        live: updateReply(state.live, action.turnId, (reply) => ({ ...reply, text: '', status: 'streaming', error: null })),
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
          status: 'done',
          error: null,
        })),
      };
    case 'failed':
      return {
        ...state,
        live: updateReply(state.live, action.turnId, (reply) => ({ ...reply, status: 'error', error: action.message })),
      };
  }
}

/** The text of a turn sent from this page, so a retry can re-send exactly the same message. */
export function turnText(state: ChatState, turnId: string): string | null {
  const entry = state.live.find((e) => e.id === userEntryId(turnId));
  return entry?.kind === 'user' ? entry.text : null;
}
