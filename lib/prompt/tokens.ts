/**
 * Token estimates for budgeting the prompt. Estimates, not bills: the provider's own count can
 * differ slightly, which is why budgets are set with headroom.
 */
import { countTokens } from 'gpt-tokenizer';

/**
 * Framing cost of one chat message beyond its content: the start/role/separator/end markers of
 * OpenAI's chat format, about 4 tokens per message (OpenAI's own counting recipe uses 3 + 1 for the role).
 */
export const MESSAGE_OVERHEAD_TOKENS = 4;

// By default gpt-tokenizer throws on text that contains special tokens such as "<|endoftext|>".
// Customers can type those; the API receives them as plain text, so count them as plain text.
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Tokens of `text` in o200k_base (gpt-tokenizer's default encoding, used by current OpenAI models). */
export function estimateTokens(text: string): number {
  // countTokens counts without materialising the token array that encode() would build.
  return countTokens(text, AS_PLAIN_TEXT);
}

/** Tokens one chat message costs: its content plus the fixed per-message framing (the role is part of the framing). */
export function estimateMessageTokens(message: { role: string; content: string }): number {
  return estimateTokens(message.content) + MESSAGE_OVERHEAD_TOKENS;
}
