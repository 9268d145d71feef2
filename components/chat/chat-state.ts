import type { ConversationView, RememberedMessage } from '@/lib/chat/events';

export type ReplyStatus = 'streaming' | 'done' | 'error' | 'stopped';
export type Rating = 'up' | 'down';

/** `turnId` is the messageId of a turn sent from this page; null for messages restored from the server. */
export interface UserEntry {
  kind: 'user';
  id: string;
  turnId: string | null;
  text: string;
  at: string;
  /** Set once a message held for a person is stored: the server's history then holds it under this id. */
  auditId?: string;
}

/** A person from the support team wrote this (never rated: thumbs are for the assistant's replies). */
export interface AgentEntry {
  kind: 'agent';
  id: string;
  turnId: null;
  text: string;
  at: string;
  agentName: string;
  auditId: string;
}

/** Who answers changed while the customer watched (worded by the view, in the widget's language). */
export interface StateEntry {
  kind: 'state';
  id: string;
  change: 'joined' | 'handedBack' | 'resolved';
  agentName: string | null;
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

export type Entry = UserEntry | AssistantEntry | AgentEntry | NoticeEntry;
/** What the conversation shows: its entries, and the changes of who answers seen live. */
export type ShownEntry = Entry | StateEntry;

/** Who answers the conversation, as the server last said, with the version the wait for news follows. */
export interface ConversationInfo extends ConversationView {
  /** Null until a history load said it (the answer to "Talk to a person" carries none). */
  version: number | null;
}

/** A state change seen live, shown after the first `after` messages of the server's history. */
interface PlacedState {
  entry: StateEntry;
  after: number;
}

/** What the header tells: the outcome of real requests and probes, never a promise. */
export type Connection = 'connecting' | 'online' | 'reconnecting' | 'offline';

export interface ChatState {
  /** What the server remembered when the page loaded; replaced as a whole, so a repeated load cannot duplicate it. */
  restored: Entry[];
  /** Turns and notices from this page view, in the order they happened. */
  live: Entry[];
  connection: Connection;
  /** Null until the server said (or for a server that does not know about people stepping in). */
  conversation: ConversationInfo | null;
  /** What the customer was told when a person was asked for; cleared once the assistant answers again. */
  handoffNotice: string | null;
  states: PlacedState[];
}

export type ChatAction =
  | { type: 'restored'; messages: RememberedMessage[]; notice: string | null; conversation?: ConversationInfo | null }
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
  | { type: 'synced'; messages: RememberedMessage[]; notice: string | null; conversation?: ConversationInfo | null }
  /** A person was asked for (the customer's button, or the model's own `handoff` event). */
  | { type: 'handoff'; conversation: ConversationView; notice: string }
  /** The server said who answers now (a held message's `meta`). */
  | { type: 'conversation'; conversation: ConversationView }
  /** The message went to a person: no reply from the model, so no reply bubble. */
  | { type: 'held'; turnId: string; auditId: string }
  | { type: 'handoffFailed'; id: string; message: string }
  | { type: 'dropped'; turnId: string }
  | { type: 'resumed'; turnId: string; auditId: string; userText: string; at: string; text: string };

export const initialChatState: ChatState = {
  restored: [],
  live: [],
  connection: 'connecting',
  conversation: null,
  handoffNotice: null,
  states: [],
};

/** A person was asked for or has the conversation: the model does not answer, the widget waits for news. */
export function withPerson(conversation: ConversationView | null): boolean {
  return conversation?.state === 'waiting' || conversation?.state === 'agent';
}

/** What a change of who answers means to the customer; null when the banner already says it. */
function changeOf(before: ConversationView, after: ConversationView): StateEntry['change'] | null {
  if (after.state === 'agent' && (before.state !== 'agent' || before.agentName !== after.agentName)) return 'joined';
  if (after.state === 'assistant' && withPerson(before)) return 'handedBack';
  if (after.state === 'resolved' && before.state !== 'resolved') return 'resolved';
  return null;
}

const messageCount = (entries: Entry[]) => entries.filter((e) => e.kind !== 'notice').length;

/**
 * Takes the server's word on who answers. A change the customer sees happen is said in the
 * conversation, after the messages known by then; the first word (a page load) is not news.
 */
function applyConversation(state: ChatState, next: ConversationView & { version?: number | null }, announce: boolean): ChatState {
  const before = state.conversation;
  const version = next.version ?? before?.version ?? null;
  const conversation: ConversationInfo = { state: next.state, agentName: next.agentName, version };
  const change = before && announce ? changeOf(before, conversation) : null;
  const states = change
    ? [
        ...state.states,
        {
          entry: { kind: 'state' as const, id: `state:${state.states.length}:${change}`, change, agentName: next.agentName },
          after: messageCount(state.restored),
        },
      ]
    : state.states;
  return { ...state, conversation, states, handoffNotice: withPerson(conversation) ? state.handoffNotice : null };
}

/** The conversation on screen: the server's history with the changes seen live in their place, then this page's turns. */
export function entriesOf(state: ChatState): ShownEntry[] {
  if (state.states.length === 0) return [...state.restored, ...state.live];
  const entries: ShownEntry[] = [];
  let count = 0;
  let next = 0;
  const placeDue = () => {
    while (next < state.states.length && (state.states[next]?.after ?? 0) <= count) {
      entries.push(state.states[next]!.entry);
      next++;
    }
  };
  for (const entry of state.restored) {
    placeDue();
    entries.push(entry);
    if (entry.kind !== 'notice') count++;
  }
  count = Number.POSITIVE_INFINITY;
  placeDue();
  return [...entries, ...state.live];
}

const userEntryId = (turnId: string) => `${turnId}:user`;
const replyEntryId = (turnId: string) => `${turnId}:reply`;

function fromRemembered(message: RememberedMessage, index: number): Entry {
  const id = `restored:${index}`;
  if (message.role === 'agent') {
    const { text, at, auditId } = message;
    return { kind: 'agent', id, turnId: null, text, at, auditId, agentName: message.agentName ?? '' };
  }
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
      const next = { ...state, restored };
      return action.conversation ? applyConversation(next, action.conversation, false) : next;
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
      return { ...state, restored: [], live, conversation: null, handoffNotice: null, states: [] };
    }
    case 'synced': {
      // The server's history now holds these turns: drop this page's copies of them (a reply, or a
      // message held for a person, which has no reply).
      const known = new Set(action.messages.map((m) => m.auditId));
      const doneTurns = new Set(
        state.live
          .filter((e) => (e.kind === 'assistant' || e.kind === 'user') && e.auditId && known.has(e.auditId))
          .map((e) => e.turnId),
      );
      const live = state.live.filter((e) => !(e.turnId && doneTurns.has(e.turnId)));
      const restored = action.messages.map(fromRemembered);
      if (action.notice) restored.push({ kind: 'notice', id: 'restored:notice', text: action.notice });
      const next = { ...state, restored: keepRatings(restored, [...state.restored, ...state.live]), live };
      return action.conversation ? applyConversation(next, action.conversation, true) : next;
    }
    case 'handoff':
      return { ...applyConversation(state, action.conversation, true), handoffNotice: action.notice };
    case 'conversation':
      return applyConversation(state, action.conversation, true);
    case 'held': {
      const live = state.live
        .filter((e) => e.id !== replyEntryId(action.turnId))
        .map((e) => (e.kind === 'user' && e.id === userEntryId(action.turnId) ? { ...e, auditId: action.auditId } : e));
      return { ...state, live };
    }
    case 'handoffFailed':
      return { ...state, live: [...state.live, { kind: 'notice', id: `handoff:${action.id}`, text: action.message }] };
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
