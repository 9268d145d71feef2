import type { ContextTurn } from '@/lib/prompt/assemble';

/**
 * How each author of a remembered message reaches the model. The customer's words are user
 * messages and the assistant's its own; a person from the support team (lib/handoff) speaks on the
 * assistant's side of the conversation, labelled as a human agent's words: the model must neither
 * contradict them nor take them as its own, and they never carry system authority.
 */

/** A remembered message as memory holds it (lib/conversation/types.ts). */
export interface AuthoredMessage {
  role: 'user' | 'assistant' | 'agent';
  text: string;
  at: string;
  auditId: string;
  tokens: number;
  agentName?: string;
}

/** The longest agent name kept in the label: it is a name, not a place for instructions. */
const AGENT_NAME_MAX_CHARS = 60;

/** The label an agent's message starts with, as the model reads it. */
export function agentLabel(name: string | undefined): string {
  // Only letters, digits, spaces and a little punctuation: a name cannot close the label or open another.
  const clean = Array.from((name ?? '').normalize('NFKC').replace(/[^\p{L}\p{N} .'-]+/gu, ' ').replace(/\s+/g, ' ').trim())
    .slice(0, AGENT_NAME_MAX_CHARS)
    .join('');
  return clean ? `[Human support agent ${clean}]` : '[Human support agent]';
}

/** Where a human stretch began and ended, as the model reads it (server text: never an agent's words). */
export const STRETCH_BEGAN = '[Support team: a person from the support team took the conversation over here.]';
export const STRETCH_ENDED = '[Support team: the person handed the conversation back to the assistant here.]';

/**
 * Whether a remembered message belongs to a human stretch: an agent's message, or a customer's
 * message nobody from the assistant's side answered (held for a person: no reply with its audit id).
 */
function humanStretch(messages: readonly AuthoredMessage[], index: number): boolean {
  const message = messages[index]!;
  if (message.role === 'agent') return true;
  if (message.role !== 'user') return false;
  const next = messages[index + 1];
  return !(next?.role === 'assistant' && next.auditId === message.auditId);
}

/** A bracketed note at the edge of a human stretch, on the assistant's side of the conversation. */
function note(text: string, at: string, auditId: string): ContextTurn {
  return { role: 'assistant', text, at, auditId, tokens: 20 };
}

/**
 * The remembered messages as the prompt's context turns, oldest first, with a note where each human
 * stretch began and (when the assistant has the conversation again) where it ended: so the model
 * neither contradicts the agent nor takes the old request for a person as a new one.
 */
export function contextTurns(messages: readonly AuthoredMessage[]): ContextTurn[] {
  const turns: ContextTurn[] = [];
  let inStretch = false;
  // A stretch is a person's only when an agent wrote in it (a customer's unanswered messages alone
  // are not one: a failed turn stores nothing, but a stretch taken over in silence is no handover).
  messages.forEach((message, index) => {
    const human = humanStretch(messages, index);
    if (human && !inStretch && stretchHasAgent(messages, index)) {
      turns.push(note(STRETCH_BEGAN, message.at, message.auditId));
      inStretch = true;
    } else if (!human && inStretch) {
      turns.push(note(STRETCH_ENDED, message.at, message.auditId));
      inStretch = false;
    }
    turns.push(turnOf(message));
  });
  // The prompt is assembled only when the assistant has the conversation: a stretch still open at
  // the end of memory was handed back just now.
  const last = messages.at(-1);
  if (inStretch && last) turns.push(note(STRETCH_ENDED, last.at, last.auditId));
  return turns;
}

function stretchHasAgent(messages: readonly AuthoredMessage[], from: number): boolean {
  for (let i = from; i < messages.length && humanStretch(messages, i); i++) if (messages[i]!.role === 'agent') return true;
  return false;
}

function turnOf(message: AuthoredMessage): ContextTurn {
  if (message.role !== 'agent') {
    return { role: message.role, text: message.text, at: message.at, auditId: message.auditId, tokens: message.tokens };
  }
  return {
    role: 'assistant',
    text: `${agentLabel(message.agentName)} ${message.text}`,
    at: message.at,
    auditId: message.auditId,
    // The label's few tokens are not in the stored estimate of the text.
    tokens: message.tokens + 8,
  };
}
