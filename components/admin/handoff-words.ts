import type { ConversationState, HandoffReason } from '@/lib/db/schema';
import type { Tone } from './Badge';

/** Why a conversation waits for a person, as the inbox says it. */
export function waitingReason(reason: HandoffReason | null, detail: string | null): string {
  switch (reason) {
    case 'customer_asked':
      return 'Customer asked';
    case 'model_escalated':
      return detail ? `The assistant asked: ${detail}` : 'The assistant asked';
    case 'model_errors':
      return 'Too many model errors';
    case 'agent_silent':
      return 'Back in the queue: the agent went silent';
    default:
      return 'Waiting for a person';
  }
}

/** Who answers the conversation now, in a few words. */
export function stateLabel(state: ConversationState, ownerName: string | null): string {
  switch (state) {
    case 'assistant':
      return 'The assistant answers';
    case 'waiting':
      return 'Waiting for a person';
    case 'agent':
      return `${ownerName ?? 'An agent'} answers`;
    case 'resolved':
      return 'Resolved';
  }
}

export function stateTone(state: ConversationState): Tone {
  return state === 'waiting' ? 'warn' : state === 'agent' ? 'info' : state === 'resolved' ? 'good' : 'neutral';
}

/** "waiting 3 min", "waiting 2 h 5 min": how long since `since`, as of `now`. */
export function waitedFor(since: string, now: number, verb = 'waiting'): string {
  const start = Date.parse(since);
  if (!Number.isFinite(start)) return verb;
  const minutes = Math.max(0, Math.floor((now - start) / 60_000));
  if (minutes < 1) return `${verb} under 1 min`;
  if (minutes < 60) return `${verb} ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${verb} ${hours} h ${minutes % 60} min`;
}
