import { promptHash } from '@/lib/audit/sink';
import type { StoredPromptMessage } from '@/lib/db/schema';
import { fromDbText } from '@/lib/db/text';
import { systemContent } from '@/lib/prompt/assemble';

/**
 * What a replay sends for one recorded turn: the exact messages the model was sent, with only the
 * system message replaced when the candidate has a prompt. The replacement goes through
 * systemContent(), as a live turn's does, so CONTEXT_RULES (how the history and the summary fence
 * are laid out) stay: a candidate changes the business prompt, not the rules the recorded messages
 * were built for. Without a candidate prompt the messages go as recorded.
 */
export function candidateMessages(recorded: StoredPromptMessage[], systemPrompt: string | null): StoredPromptMessage[] {
  if (systemPrompt === null) return recorded.map((m) => ({ ...m }));
  const system: StoredPromptMessage = { role: 'system', content: systemContent(systemPrompt) };
  const [first, ...rest] = recorded;
  // Every recorded prompt starts with its system message; one that does not gets the candidate's first.
  if (first?.role === 'system') return [system, ...rest.map((m) => ({ ...m }))];
  return [system, ...recorded.map((m) => ({ ...m }))];
}

/** The stored messages in the form the hash was computed over, and whether they still match it. */
export function verifiedMessages(stored: StoredPromptMessage[], hash: string): { messages: StoredPromptMessage[]; verified: boolean } {
  const messages = stored.map(({ role, content }) => ({ role, content: fromDbText(content) }));
  return { messages, verified: promptHash(messages) === hash };
}
