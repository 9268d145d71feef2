import type { AgentRole, ConversationState, HandoffReason } from '@/lib/db/schema';

/**
 * Who answers a conversation, as a pure state machine (no I/O: the conversation store applies a
 * change atomically with memory and the audit entry it carries):
 *
 *   assistant ──request──▶ waiting ──take_over──▶ agent ──hand_back──▶ assistant
 *        ▲                    │  ▲                  │
 *        │                    │  └──agent_silent────┤
 *        └──customer writes── resolved ◀──resolve───┘   (resolve also from waiting and assistant)
 *
 * While `waiting` or `agent` the model is never called: the customer's words are stored and shown
 * to the agent. A resolved conversation goes back to the assistant when the customer writes again
 * (a new stretch; nothing is re-read to re-open a handoff).
 */

/** Who answers the conversation, as the customer may know it (the agent's name, never their id). */
export interface ConversationView {
  state: ConversationState;
  /** The agent's name while a person from the support team has it (`agent`). */
  agentName: string | null;
}

/** A state as the customer may see it. */
export function conversationView(state: StateSnapshot): ConversationView {
  return { state: state.state, agentName: state.state === 'agent' ? (state.owner?.name ?? null) : null };
}

export interface AgentRef {
  id: string;
  /** What the customer and other agents see (the agent's name, else their e-mail). */
  name: string;
}

export type Actor =
  | { kind: 'customer' }
  | { kind: 'assistant' }
  /** The server itself: rules and the silence sweep. */
  | { kind: 'system' }
  | ({ kind: 'agent'; role: AgentRole } & AgentRef);

export interface StateSnapshot {
  state: ConversationState;
  /** The agent who owns the conversation; only in `agent`. */
  owner: AgentRef | null;
  /** When the current state began (ISO). */
  since: string;
  reason: HandoffReason | null;
}

export const INITIAL_STATE: StateSnapshot = { state: 'assistant', owner: null, since: '', reason: null };

export type HandoffAction =
  | { kind: 'request'; reason: 'customer_asked' | 'model_escalated' | 'model_errors' }
  | { kind: 'take_over' }
  | { kind: 'hand_back' }
  | { kind: 'resolve' }
  | { kind: 'release_silent' }
  | { kind: 'customer_returned' };

/** Stable codes of a refused change (the HTTP edge maps them: 409 except `forbidden`). */
export type RefusalCode =
  /** Another agent owns it: the answer names who. */
  | 'conversation_taken'
  /** Resolved: an agent must not write into it, nor hand it back. */
  | 'conversation_resolved'
  /** Only the owner (or an admin) may hand back, resolve or write while an agent owns it. */
  | 'not_owner'
  /** The change does not apply to the current state (hand back a conversation nobody took…). */
  | 'invalid_state'
  /** This actor may never make this change (a customer taking over…). */
  | 'forbidden';

export type Transition =
  | { kind: 'changed'; next: StateSnapshot }
  /** Already there (a second press of "Talk to a person", the owner taking over again): nothing to record. */
  | { kind: 'unchanged' }
  | { kind: 'refused'; code: RefusalCode; owner: AgentRef | null };

function refused(code: RefusalCode, owner: AgentRef | null = null): Transition {
  return { kind: 'refused', code, owner };
}

function to(state: ConversationState, reason: HandoffReason, now: Date, owner: AgentRef | null = null): Transition {
  return { kind: 'changed', next: { state, owner, since: now.toISOString(), reason } };
}

function isOwnerOrAdmin(current: StateSnapshot, actor: Extract<Actor, { kind: 'agent' }>): boolean {
  return actor.role === 'admin' || current.owner?.id === actor.id;
}

/** The next state for `action` by `actor`, or why it is refused. Pure: the caller stores the change. */
export function transition(current: StateSnapshot, action: HandoffAction, actor: Actor, now: Date): Transition {
  switch (action.kind) {
    case 'request': {
      if (actor.kind === 'agent') return refused('forbidden');
      // Already with people (or waiting for them): asking again changes nothing.
      if (current.state === 'waiting' || current.state === 'agent') return { kind: 'unchanged' };
      return to('waiting', action.reason, now);
    }
    case 'take_over': {
      if (actor.kind !== 'agent') return refused('forbidden');
      if (current.state === 'agent') {
        if (current.owner?.id === actor.id) return { kind: 'unchanged' };
        return refused('conversation_taken', current.owner);
      }
      // From the queue, or straight from the assistant when an agent sees it going wrong; a resolved
      // conversation is re-opened only by its customer.
      if (current.state === 'resolved') return refused('conversation_resolved');
      return to('agent', 'taken_over', now, { id: actor.id, name: actor.name });
    }
    case 'hand_back': {
      if (actor.kind !== 'agent') return refused('forbidden');
      if (current.state === 'resolved') return refused('conversation_resolved');
      if (current.state === 'assistant') return refused('invalid_state');
      if (current.state === 'agent' && !isOwnerOrAdmin(current, actor)) return refused('not_owner', current.owner);
      return to('assistant', 'handed_back', now);
    }
    case 'resolve': {
      if (actor.kind !== 'agent') return refused('forbidden');
      if (current.state === 'resolved') return { kind: 'unchanged' };
      if (current.state === 'agent' && !isOwnerOrAdmin(current, actor)) return refused('not_owner', current.owner);
      return to('resolved', 'resolved', now);
    }
    case 'release_silent': {
      if (actor.kind !== 'system') return refused('forbidden');
      if (current.state !== 'agent') return { kind: 'unchanged' };
      return to('waiting', 'agent_silent', now);
    }
    case 'customer_returned': {
      if (actor.kind !== 'customer') return refused('forbidden');
      if (current.state !== 'resolved') return { kind: 'unchanged' };
      return to('assistant', 'customer_returned', now);
    }
  }
}

/**
 * Whether an agent may write into the conversation now (the composer's "Send"): only its owner, so
 * the customer never hears two people at once (an admin hands back or resolves, then takes over).
 */
export function mayWrite(current: StateSnapshot, actor: Extract<Actor, { kind: 'agent' }>): RefusalCode | null {
  if (current.state === 'resolved') return 'conversation_resolved';
  if (current.state !== 'agent') return 'invalid_state';
  return current.owner?.id === actor.id ? null : 'not_owner';
}

/** The model answers only while the assistant has the conversation. */
export function modelAnswers(state: ConversationState): boolean {
  return state === 'assistant';
}
