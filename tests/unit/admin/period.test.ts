import { describe, expect, it } from 'vitest';
import { bucketDays, MAX_PERIOD_DAYS, parsePeriod } from '@/lib/admin/period';

const now = new Date('2026-03-10T15:30:00Z');

describe('parsePeriod', () => {
  it('today is one UTC day by the hour', () => {
    const period = parsePeriod({ period: 'today' }, now);
    expect(period).toMatchObject({ kind: 'today', from: '2026-03-10', to: '2026-03-10', bucket: 'hour' });
    expect(period.buckets).toHaveLength(24);
    expect(period.start.toISOString()).toBe('2026-03-10T00:00:00.000Z');
    expect(period.end.toISOString()).toBe('2026-03-11T00:00:00.000Z');
  });

  it('7 and 30 days end today, by the day', () => {
    expect(parsePeriod({ period: '7d' }, now)).toMatchObject({ from: '2026-03-04', to: '2026-03-10', bucket: 'day' });
    expect(parsePeriod({ period: '7d' }, now).buckets).toHaveLength(7);
    expect(parsePeriod({ period: '30d' }, now)).toMatchObject({ from: '2026-02-09', to: '2026-03-10' });
    expect(parsePeriod({ period: '30d' }, now).buckets).toHaveLength(30);
  });

  it('custom days, in either order; a single day goes by the hour', () => {
    expect(parsePeriod({ period: 'custom', from: '2021-03-02', to: '2021-03-01' }, now)).toMatchObject({ from: '2021-03-01', to: '2021-03-02', bucket: 'day' });
    expect(parsePeriod({ period: 'custom', from: '2021-03-02', to: '2021-03-02' }, now).bucket).toBe('hour');
  });

  it('anything malformed falls back to 7 days; a huge custom period is cut to its last days', () => {
    expect(parsePeriod({}, now).kind).toBe('7d');
    expect(parsePeriod({ period: 'year' }, now).kind).toBe('7d');
    expect(parsePeriod({ period: 'custom', from: '2021-02-30', to: '2021-03-01' }, now).kind).toBe('7d');
    expect(parsePeriod({ period: 'custom', from: 'x', to: '2021-03-01' }, now).kind).toBe('7d');
    const long = parsePeriod({ period: 'custom', from: '2000-01-01', to: '2021-03-01' }, now);
    expect(long.buckets).toHaveLength(MAX_PERIOD_DAYS);
    expect(long.to).toBe('2021-03-01');
  });

  it("a bucket's link names its day; an hour's link names the period's day", () => {
    const week = parsePeriod({ period: '7d' }, now);
    expect(bucketDays(week, week.buckets[1] ?? now)).toEqual({ from: '2026-03-05', to: '2026-03-05' });
    const today = parsePeriod({ period: 'today' }, now);
    expect(bucketDays(today, today.buckets[5] ?? now)).toEqual({ from: '2026-03-10', to: '2026-03-10' });
  });
});
