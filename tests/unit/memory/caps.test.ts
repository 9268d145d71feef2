import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyCaps, type MemoryMessage } from '@/lib/conversation/types';

function message(role: 'user' | 'assistant', tokens: number, id: string): MemoryMessage {
  return { role, text: `${role} ${id}`, at: '2025-05-01T10:00:00.000Z', tokens, auditId: `audit-${id}` };
}

/** `exchanges` user/assistant pairs with the given token estimates, oldest first. */
function conversation(tokens: ReadonlyArray<readonly [number, number]>): MemoryMessage[] {
  return tokens.flatMap(([u, a], i) => [message('user', u, String(i)), message('assistant', a, String(i))]);
}

const sum = (messages: readonly MemoryMessage[]) => messages.reduce((total, m) => total + m.tokens, 0);

describe('applyCaps', () => {
  it('keeps everything when both caps hold', () => {
    const input = conversation([
      [10, 20],
      [30, 40],
    ]);
    expect(applyCaps(input, { maxTurns: 2, maxTokens: 100 })).toEqual({ kept: input, evicted: [] });
  });

  it('drops the oldest exchanges beyond maxTurns', () => {
    const input = conversation([
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    const { kept, evicted } = applyCaps(input, { maxTurns: 3, maxTokens: 1000 });
    expect(kept).toEqual(input.slice(4));
    expect(evicted).toEqual(input.slice(0, 4));
    expect(kept.map((m) => m.auditId)).toEqual(['audit-2', 'audit-2', 'audit-3', 'audit-3', 'audit-4', 'audit-4']);
  });

  it('drops the oldest exchanges until the token total fits, in whole exchanges', () => {
    const input = conversation([
      [50, 50],
      [10, 10],
      [20, 30],
    ]);
    // 170 tokens; dropping the first exchange (100) leaves 70 <= 80.
    const { kept, evicted } = applyCaps(input, { maxTurns: 10, maxTokens: 80 });
    expect(evicted).toEqual(input.slice(0, 2));
    expect(kept).toEqual(input.slice(2));
  });

  it('evicts a whole exchange even when dropping only its user message would have been enough', () => {
    const input = conversation([
      [5, 1],
      [1, 1],
    ]);
    // 8 tokens, cap 7: the user message alone (5) would do, but exchanges leave together.
    const { kept, evicted } = applyCaps(input, { maxTurns: 10, maxTokens: 7 });
    expect(evicted).toHaveLength(2);
    expect(kept).toEqual(input.slice(2));
  });

  it('keeps nothing when the newest exchange alone is over the token cap', () => {
    const input = conversation([
      [1, 1],
      [400, 400],
    ]);
    const { kept, evicted } = applyCaps(input, { maxTurns: 10, maxTokens: 500 });
    expect(kept).toEqual([]);
    expect(evicted).toEqual(input);
  });

  it('leaves an empty window alone', () => {
    expect(applyCaps([], { maxTurns: 1, maxTokens: 1 })).toEqual({ kept: [], evicted: [] });
  });

  it('does not change its input', () => {
    const input = conversation([
      [100, 100],
      [1, 1],
    ]);
    const copy = structuredClone(input);
    applyCaps(input, { maxTurns: 1, maxTokens: 10 });
    expect(input).toEqual(copy);
  });
});

describe('applyCaps properties', () => {
  const window = fc
    .array(fc.tuple(fc.nat({ max: 300 }), fc.nat({ max: 300 })), { maxLength: 40 })
    .map((pairs) => conversation(pairs));
  const caps = fc.record({ maxTurns: fc.integer({ min: 1, max: 25 }), maxTokens: fc.integer({ min: 0, max: 4000 }) });

  it('never keeps more than maxTurns*2 messages or more than maxTokens', () => {
    fc.assert(
      fc.property(window, caps, (input, c) => {
        const { kept } = applyCaps(input, c);
        expect(kept.length).toBeLessThanOrEqual(c.maxTurns * 2);
        expect(sum(kept)).toBeLessThanOrEqual(c.maxTokens);
      }),
    );
  });

  it('splits the input into evicted (a prefix) and kept (a suffix), losing and reordering nothing', () => {
    fc.assert(
      fc.property(window, caps, (input, c) => {
        const { kept, evicted } = applyCaps(input, c);
        expect([...evicted, ...kept]).toEqual(input);
        expect(kept).toEqual(input.slice(input.length - kept.length));
      }),
    );
  });

  it('evicts whole exchanges only, oldest first: the window still starts with a user message', () => {
    fc.assert(
      fc.property(window, caps, (input, c) => {
        const { kept, evicted } = applyCaps(input, c);
        expect(evicted.length % 2).toBe(0);
        if (kept.length > 0) expect(kept[0]?.role).toBe('user');
      }),
    );
  });

  it('evicts no more than needed: one more exchange back would break a cap', () => {
    fc.assert(
      fc.property(window, caps, (input, c) => {
        const { kept, evicted } = applyCaps(input, c);
        if (evicted.length === 0) return;
        const longer = input.slice(input.length - kept.length - 2);
        expect(longer.length > c.maxTurns * 2 || sum(longer) > c.maxTokens).toBe(true);
      }),
    );
  });

  it('is idempotent: capping a capped window changes nothing', () => {
    fc.assert(
      fc.property(window, caps, (input, c) => {
        const once = applyCaps(input, c).kept;
        expect(applyCaps(once, c)).toEqual({ kept: once, evicted: [] });
      }),
    );
  });

  it('keeps whole exchanges with odd-length input too (a dangling message leaves with the oldest)', () => {
    fc.assert(
      fc.property(window, caps, fc.nat({ max: 300 }), (input, c, extra) => {
        const odd = [...input, message('user', extra, 'dangling')];
        const { kept, evicted } = applyCaps(odd, c);
        expect([...evicted, ...kept]).toEqual(odd);
        expect(kept.length).toBeLessThanOrEqual(c.maxTurns * 2);
        expect(sum(kept)).toBeLessThanOrEqual(c.maxTokens);
      }),
    );
  });
});
