import { describe, expect, it } from 'vitest';
import { promptHash } from '@/lib/audit/sink';
import { toDbText } from '@/lib/db/text';
import { parseModelEndpoints } from '@/lib/model/endpoints';
import { CONTEXT_RULES } from '@/lib/prompt/assemble';
import { candidateMessages, verifiedMessages } from '@/lib/review/replay/messages';

const recorded = [
  { role: 'system' as const, content: `Old prompt\n\n${CONTEXT_RULES}` },
  { role: 'user' as const, content: 'Where is my order?' },
  { role: 'assistant' as const, content: 'It ships today.' },
  { role: 'user' as const, content: 'Thanks' },
];

describe('what a replay sends', () => {
  it('replaces only the system message, keeping the context rules', () => {
    const sent = candidateMessages(recorded, '  New prompt  ');
    expect(sent[0]).toEqual({ role: 'system', content: `New prompt\n\n${CONTEXT_RULES}` });
    expect(sent.slice(1)).toEqual(recorded.slice(1));
  });

  it('sends the recorded messages unchanged without a candidate prompt', () => {
    expect(candidateMessages(recorded, null)).toEqual(recorded);
  });

  it('verifies the stored form against the hash of the original text', () => {
    const original = [{ role: 'user' as const, content: 'a\u0000b' }];
    const stored = original.map((m) => ({ ...m, content: toDbText(m.content) }));
    expect(verifiedMessages(stored, promptHash(original))).toEqual({ messages: original, verified: true });
    expect(verifiedMessages([{ role: 'user', content: 'edited' }], promptHash(original)).verified).toBe(false);
  });
});

describe('REPLAY_ENDPOINTS', () => {
  it('reads endpoints and refuses "default", duplicates and bad JSON with the variable named', () => {
    expect(parseModelEndpoints('')).toEqual([]);
    expect(parseModelEndpoints('[{"name":"staging","baseURL":"http://127.0.0.1:1/v1","models":["m"]}]')).toEqual([
      { name: 'staging', baseURL: 'http://127.0.0.1:1/v1', models: ['m'] },
    ]);
    expect(() => parseModelEndpoints('[{"name":"default","baseURL":"http://x.test/v1","models":["m"]}]')).toThrow(/REPLAY_ENDPOINTS/);
    expect(() =>
      parseModelEndpoints('[{"name":"a","baseURL":"http://x.test/v1","models":["m"]},{"name":"a","baseURL":"http://y.test/v1","models":["m"]}]'),
    ).toThrow(/unique/);
    expect(() => parseModelEndpoints('{')).toThrow(/REPLAY_ENDPOINTS: is not valid JSON/);
  });
});
