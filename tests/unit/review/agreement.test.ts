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

describe('score trend', () => {
  it('names ISO weeks (the week of the Thursday) and starts them on Monday, UTC', async () => {
    const { isoWeekName, isoWeekStart } = await import('@/lib/review/trend');
    expect(isoWeekName(new Date('2026-12-03T12:00:00Z'))).toBe('2026-W49');
    expect(isoWeekName(new Date('2027-01-01T12:00:00Z'))).toBe('2026-W53');
    expect(isoWeekName(new Date('2025-12-29T00:00:00Z'))).toBe('2026-W01');
    expect(isoWeekStart(new Date('2026-12-06T23:59:59Z')).toISOString()).toBe('2026-11-30T00:00:00.000Z');
  });

  it('keeps criterion versions apart and compares scales as shares', async () => {
    const { foldTrend } = await import('@/lib/review/trend');
    const base = { sessionId: 's', auditId: null, key: 'helpful', label: 'Helpful', kind: 'scale' as const };
    const trend = foldTrend(
      [
        { ...base, at: new Date('2026-12-01T10:00:00Z'), criterionId: 'v1', version: 1, scaleMin: 1, scaleMax: 5, reviewerId: 'a', value: 5 },
        { ...base, at: new Date('2026-12-02T10:00:00Z'), criterionId: 'v2', version: 2, scaleMin: 1, scaleMax: 3, reviewerId: 'a', value: 2 },
        { ...base, at: new Date('2026-12-09T10:00:00Z'), criterionId: 'v2', version: 2, scaleMin: 1, scaleMax: 3, reviewerId: 'b', value: 1 },
      ],
      new Date('2026-11-30T00:00:00Z'),
      new Date('2026-12-14T00:00:00Z'),
    );
    expect(trend.weeks.map((w) => w.name)).toEqual(['2026-W49', '2026-W50']);
    expect(trend.weeks[0]?.cells.map((c) => [c.version, c.mean, c.count])).toEqual([
      [1, 5, 1],
      [2, 2, 1],
    ]);
    // (1 + 0.5) / 2: 5 of 1–5 is the top, 2 of 1–3 the middle.
    expect(trend.weeks[0]?.shares).toEqual({ helpful: 0.75 });
    expect(trend.weeks[1]?.shares).toEqual({ helpful: 0 });
    expect(trend.weeks[0]?.agreement.pairs).toBe(0);
  });
});
