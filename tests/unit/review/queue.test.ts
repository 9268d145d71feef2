import { describe, expect, it } from 'vitest';
import { reasonLabel, reviewStateLabel } from '@/components/admin/review/review-words';
import { REVIEW_REASONS } from '@/lib/db/schema';
import { decodeCursor, encodeCursor, queueQuerySchema, reviewerName } from '@/lib/review/queue';
import { DEFAULT_RULES, rulesDiff, rulesSchema } from '@/lib/review/rules';

describe('review queue, pure parts', () => {
  it('a page cursor reads back as the item it was made from; anything else is refused', () => {
    const item = { enteredAt: new Date('2026-03-04T05:06:07.089Z'), id: '0190f4c2-1111-7000-8000-000000000001' };
    expect(decodeCursor(encodeCursor(item))).toEqual(item);
    expect(decodeCursor('nonsense')).toBeNull();
    expect(decodeCursor(Buffer.from('2026-01-01T00:00:00Z|not-a-uuid').toString('base64url'))).toBeNull();
    expect(queueQuerySchema.safeParse({ after: 'nonsense' }).success).toBe(false);
    expect(queueQuerySchema.parse({})).toEqual({ tab: 'to_review' });
    expect(queueQuerySchema.safeParse({ tab: 'mine', reason: 'thumbs_down' }).success).toBe(true);
    expect(queueQuerySchema.safeParse({ reason: 'bored' }).success).toBe(false);
  });

  it('names a reviewer by name, else by the e-mail name part, never the address', () => {
    expect(reviewerName({ name: ' Ana ', email: 'ana@example.com' })).toBe('Ana');
    expect(reviewerName({ name: null, email: 'ben.k@example.com' })).toBe('ben.k');
    expect(reviewerName({ name: '  ', email: 'cy@example.com' })).toBe('cy');
  });

  it('says every reason and state in words', () => {
    expect(REVIEW_REASONS.map(reasonLabel)).toEqual([
      'Thumbs down',
      'Model error',
      'Memory fallback',
      'Asked for a person',
      'Flagged',
      'Random sample',
      'Added by hand',
    ]);
    expect(reviewStateLabel('in_review', 'Ana', false)).toBe('In review by Ana');
    expect(reviewStateLabel('in_review', 'Ana', true)).toBe('In review by you');
    expect(reviewStateLabel('done', 'Ana', false)).toBe('Reviewed by Ana');
    expect(reviewStateLabel('to_review', null, false)).toBe('To review');
  });

  it('rules: a sample is 0–100 with two decimals at most; the log records only what changed', () => {
    expect(rulesSchema.safeParse({ ...DEFAULT_RULES, samplePercent: 12.34 }).success).toBe(true);
    expect(rulesSchema.safeParse({ ...DEFAULT_RULES, samplePercent: 100 }).success).toBe(true);
    expect(rulesSchema.safeParse({ ...DEFAULT_RULES, samplePercent: 12.345 }).success).toBe(false);
    expect(rulesSchema.safeParse({ ...DEFAULT_RULES, samplePercent: 100.01 }).success).toBe(false);
    expect(rulesSchema.safeParse({ ...DEFAULT_RULES, samplePercent: -0.01 }).success).toBe(false);
    expect(rulesSchema.safeParse({ ...DEFAULT_RULES, extra: true }).success).toBe(false);
    expect(rulesDiff(DEFAULT_RULES, DEFAULT_RULES)).toEqual({});
    expect(rulesDiff(DEFAULT_RULES, { ...DEFAULT_RULES, handoff: false, samplePercent: 5 })).toEqual({ handoff: [true, false], samplePercent: [0, 5] });
  });
});
