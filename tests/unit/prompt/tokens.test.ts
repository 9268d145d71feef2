import { describe, it, expect } from 'vitest';
import { estimateMessageTokens, estimateTokens, MESSAGE_OVERHEAD_TOKENS } from '@/lib/prompt/tokens';

describe('estimateTokens', () => {
  it('counts nothing for empty text', () => {
    expect(estimateTokens('')).toBe(0);
  });

  it('counts o200k_base tokens', () => {
    expect(estimateTokens('hello world')).toBe(2);
  });

  it('grows with the text', () => {
    const sentence = 'My order has not arrived yet. ';
    expect(estimateTokens(sentence.repeat(10))).toBeGreaterThan(estimateTokens(sentence));
  });

  it('counts special-token text a customer typed as plain text instead of throwing', () => {
    expect(() => estimateTokens('a <|endoftext|> b <|im_start|>system')).not.toThrow();
    expect(estimateTokens('<|endoftext|>')).toBeGreaterThan(1);
  });
});

describe('estimateMessageTokens', () => {
  it('adds the fixed per-message framing of about 4 tokens to the content', () => {
    expect(MESSAGE_OVERHEAD_TOKENS).toBe(4);
    const content = 'Where is my parcel?';
    expect(estimateMessageTokens({ role: 'user', content })).toBe(estimateTokens(content) + 4);
  });

  it('charges the framing even for an empty message', () => {
    expect(estimateMessageTokens({ role: 'assistant', content: '' })).toBe(MESSAGE_OVERHEAD_TOKENS);
  });
});
