/**
 * The wire contract of one chat turn, shared by the route (encoder) and the widget (decoder).
 * SSE event names are the keys of ChatEvent; each `data:` line is the JSON of the payload.
 */

import type { MemoryStatus } from '@/lib/conversation/status';
import type { ConversationView } from '@/lib/handoff/machine';

export type { ConversationView, MemoryStatus };

export interface MetaEvent {
  auditId: string;
  memory: MemoryStatus;
  /** A sentence for the customer when memory did not load normally; null when there is nothing to say. */
  notice: string | null;
  /** True when this answer is a replay of an exchange already stored for the same messageId. */
  replay: boolean;
  /** Who answers this message: not the model while a person was asked for or has the conversation. */
  conversation?: ConversationView;
}

export interface DeltaEvent {
  text: string;
}

export interface DoneEvent {
  auditId: string;
  /** The whole reply, so a client can reconcile what it rendered from deltas. */
  reply: string;
  /** False when the reply could not be saved to memory (the next turn will not see it). */
  remembered: boolean;
  /** The customer stopped the reply: `reply` is what had arrived by then (audited as `aborted`). */
  stopped?: boolean;
  /** This message had been answered already (a resend): `reply` is that answer, not a new one. */
  replay?: boolean;
  /** The message is with a person (the conversation is waiting for or owned by an agent): no reply from the model. */
  held?: boolean;
}

/** The conversation moved to a person (the model asked for one): what the customer is told. */
export interface HandoffEvent {
  conversation: ConversationView;
  notice: string;
}

export interface ErrorEvent {
  code: string;
  message: string;
}

export type ChatEvent =
  | { event: 'meta'; data: MetaEvent }
  | { event: 'delta'; data: DeltaEvent }
  | { event: 'done'; data: DoneEvent }
  | { event: 'handoff'; data: HandoffEvent }
  | { event: 'error'; data: ErrorEvent };

/** Body of `POST /api/chat` with `Accept: application/json`. */
export interface ChatJsonResponse {
  reply: string;
  auditId: string;
  memory: MemoryStatus;
  notice: string | null;
  replay: boolean;
  remembered: boolean;
  stopped?: boolean;
  held?: boolean;
  conversation?: ConversationView;
  handoff?: HandoffEvent;
}

/** One remembered message, as `POST /api/session/messages` returns it. */
export interface RememberedMessage {
  /** `agent`: a person from the support team, named by `agentName`. */
  role: 'user' | 'assistant' | 'agent';
  agentName?: string;
  text: string;
  at: string;
  auditId: string;
  /** An assistant reply the customer stopped: what had arrived by then. */
  stopped?: boolean;
  /** The customer's current thumbs up/down on this reply (assistant messages only). */
  rating?: 'up' | 'down';
}

/** A reply still being written when the messages were read: resume it with POST /api/chat/resume. */
export interface LiveReplyInfo {
  auditId: string;
  userText: string;
  at: string;
  text: string;
}

export interface MessagesResponse {
  sessionId: string;
  memory: MemoryStatus;
  notice: string | null;
  messages: RememberedMessage[];
  /**
   * Who answers the conversation now, and its version (what POST /api/session/updates waits on);
   * absent when memory could not tell.
   */
  conversation?: ConversationView & { version: number };
  /** Null when no reply of this session is streaming right now. */
  live?: LiveReplyInfo | null;
}

/** Body of every 4xx/5xx answer. */
export interface ErrorBody {
  error: { code: string; message: string; owner?: { name: string } };
}
