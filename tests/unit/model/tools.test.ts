import { describe, expect, it } from 'vitest';
import { asksForPerson, DemoModelClient } from '@/lib/model/demo';
import { HANDOFF_REASON_MAX_CHARS, handoffReason } from '@/lib/model/tools';
import type { ModelChunk } from '@/lib/model/types';

async function collect(stream: AsyncIterable<ModelChunk>): Promise<ModelChunk[]> {
  const chunks: ModelChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe("the model's handoff reason", () => {
  it('is the trimmed reason from the arguments', () => {
    expect(handoffReason('{"reason":"  Wants a   refund\\nabove the limit. "}')).toBe('Wants a refund above the limit.');
  });

  it('is empty, not invented, when the arguments are broken or carry no text', () => {
    expect(handoffReason('{"reason": "cut')).toBe('');
    expect(handoffReason('null')).toBe('');
    expect(handoffReason('{"reason": 42}')).toBe('');
  });

  it('is bounded for the inbox, without splitting a character', () => {
    const reason = handoffReason(JSON.stringify({ reason: '😀'.repeat(300) }));
    expect(Array.from(reason)).toHaveLength(HANDOFF_REASON_MAX_CHARS);
    expect(reason.endsWith('😀')).toBe(true);
  });
});

describe('the demo model with the handoff tool', () => {
  const ask = [{ role: 'user' as const, content: 'Can I talk to a real person, please?' }];

  it('hands off when a customer plainly asks for a person, after saying so', async () => {
    const chunks = await collect(new DemoModelClient(0).stream(ask, undefined, { offerHandoff: true }));
    expect(chunks.flatMap((c) => (c.type === 'delta' ? [c.text] : [])).join('')).toMatch(/asking a person/);
    expect(chunks.filter((c) => c.type === 'handoff')).toEqual([
      { type: 'handoff', reason: 'The customer asked to talk to a person.' },
    ]);
  });

  it('answers as usual when the tool is not offered', async () => {
    const chunks = await collect(new DemoModelClient(0).stream(ask));
    expect(chunks.some((c) => c.type === 'handoff')).toBe(false);
  });

  it('recognises requests for a person, not every sentence with "talk" or "person" in it', () => {
    expect(asksForPerson('I want to speak with a human')).toBe(true);
    expect(asksForPerson('human agent please')).toBe(true);
    expect(asksForPerson('I talk to my dog every day')).toBe(false);
    expect(asksForPerson('Is the sender a person of interest?')).toBe(false);
  });
});
