import { describe, expect, it } from 'vitest';
import { agreementOf, type ScoreForAgreement } from '@/lib/review/agreement';
import { diffCounts, wordDiff } from '@/lib/review/diff';

const s = (reviewerId: string, value: number, extra: Partial<ScoreForAgreement> = {}): ScoreForAgreement => ({
  auditId: 'a1',
  criterionId: 'helpful-v1',
  kind: 'scale',
  reviewerId,
  value,
  ...extra,
});

describe('agreement', () => {
  it('compares nothing with one reviewer', () => {
    expect(agreementOf([s('ada', 3)])).toMatchObject({ compared: 0, pairs: 0, exactPercent: null, meanAbsDiff: null });
  });

  it('counts every pair of three reviewers: exact share and mean absolute difference', () => {
    // Pairs: (3,3) exact, (3,5) |2|, (3,5) |2| → 1 of 3 exact, mean 4/3.
    expect(agreementOf([s('ada', 3), s('bob', 3), s('cy', 5)])).toEqual({
      compared: 1,
      pairs: 3,
      exactPercent: 33.3,
      meanAbsDiff: 1.33,
      scalePairs: 3,
    });
  });

  it('never compares different criterion versions or different targets', () => {
    const scores = [s('ada', 2), s('bob', 2, { criterionId: 'helpful-v2' }), s('cy', 2, { auditId: 'a2' })];
    expect(agreementOf(scores).pairs).toBe(0);
  });

  it('yes/no pairs count for exact agreement only, not for the mean difference', () => {
    const scores = [s('ada', 1, { kind: 'yes_no', criterionId: 'c' }), s('bob', 0, { kind: 'yes_no', criterionId: 'c' }), s('ada', 4), s('bob', 5)];
    expect(agreementOf(scores)).toEqual({ compared: 2, pairs: 2, exactPercent: 0, meanAbsDiff: 1, scalePairs: 1 });
  });
});

describe('word diff', () => {
  it('marks a replaced phrase as one deletion and one insertion; the corrected text reads back exactly', () => {
    const original = 'Your order ships next week.';
    const corrected = 'Your order ships tomorrow, sorry.';
    const parts = wordDiff(original, corrected);
    expect(parts).toEqual([
      { kind: 'same', text: 'Your order ships ' },
      { kind: 'removed', text: 'next week' },
      { kind: 'added', text: 'tomorrow, sorry' },
      { kind: 'same', text: '.' },
    ]);
    expect(parts.filter((p) => p.kind !== 'removed').map((p) => p.text).join('')).toBe(corrected);
    expect(diffCounts(parts)).toEqual({ added: 2, removed: 2 });
  });

  it('is one unchanged part when nothing changed', () => {
    expect(wordDiff('Same text.', 'Same text.')).toEqual([{ kind: 'same', text: 'Same text.' }]);
  });

  it('keeps the correction\'s own line breaks and spacing', () => {
    const corrected = 'Line one.\n\n  Line two.';
    const parts = wordDiff('Line one. Line two.', corrected);
    expect(parts.filter((p) => p.kind !== 'removed').map((p) => p.text).join('')).toBe(corrected);
  });
});
