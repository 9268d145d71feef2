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

/** The remembered messages as the prompt's context turns, oldest first. */
export function contextTurns(messages: readonly AuthoredMessage[]): ContextTurn[] {
  return messages.map((message) => {
    if (message.role !== 'agent') {
      return { role: message.role, text: message.text, at: message.at, auditId: message.auditId, tokens: message.tokens };
    }
    const label = agentLabel(message.agentName);
    return {
      role: 'assistant',
      text: `${label} ${message.text}`,
      at: message.at,
      auditId: message.auditId,
      // The label's few tokens are not in the stored estimate of the text.
      tokens: message.tokens + 8,
    };
  });
}
