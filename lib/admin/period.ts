import { z } from 'zod';
import { dayOf, daySchema } from '@/lib/admin/days';

/**
 * The overview's period: today, the last 7 or 30 days, or custom days. Days are UTC calendar days
 * (as the sessions list's date filters are), both ends included, so a chart's link to the list
 * selects exactly what the chart counted. One day is shown by the hour, longer periods by the day.
 */

export const PERIOD_KINDS = ['today', '7d', '30d', 'custom'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** A custom period longer than this is cut to its last days: a chart of a thousand bars says nothing. */
export const MAX_PERIOD_DAYS = 366;

export interface Period {
  kind: PeriodKind;
  /** First and last day, YYYY-MM-DD (UTC). */
  from: string;
  to: string;
  /** [start, end) as instants. */
  start: Date;
  end: Date;
  bucket: 'hour' | 'day';
  /** The start of every bucket, in order (charts show empty buckets as zero). */
  buckets: Date[];
  /** Why the custom days asked for were not used (the page shows it); absent when they were. */
  problem?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
export { dayOf };
const startOf = (value: string): Date => new Date(`${value}T00:00:00Z`);

function build(kind: PeriodKind, from: string, to: string): Period {
  const start = startOf(from);
  const end = new Date(startOf(to).getTime() + DAY_MS);
  const bucket = to === from ? 'hour' : 'day';
  const step = bucket === 'hour' ? HOUR_MS : DAY_MS;
  const buckets: Date[] = [];
  for (let t = start.getTime(); t < end.getTime(); t += step) buckets.push(new Date(t));
  return { kind, from, to, start, end, bucket, buckets };
}

/** From the page's query string; anything missing or malformed gives the last 7 days. */
export function parsePeriod(params: Record<string, string | undefined>, now: Date = new Date()): Period {
  const today = dayOf(now);
  const daysBack = (n: number) => dayOf(new Date(startOf(today).getTime() - n * DAY_MS));
  const kind = z.enum(PERIOD_KINDS).safeParse(params.period);
  switch (kind.success ? kind.data : '7d') {
    case 'today':
      return build('today', today, today);
    case '30d':
      return build('30d', daysBack(29), today);
    case 'custom': {
      const day = daySchema(now);
      const from = day.safeParse(params.from);
      const to = day.safeParse(params.to);
      if (!from.success || !to.success) {
        const [name, failed, value] = !from.success ? (['From', from, params.from] as const) : (['To', to, params.to] as const);
        const reason = value ? (failed.error?.issues[0]?.message ?? 'is not a date') : 'is missing';
        return { ...build('7d', daysBack(6), today), problem: `${name} ${reason}: showing the last 7 days instead.` };
      }
      const [first, last] = from.data <= to.data ? [from.data, to.data] : [to.data, from.data];
      const span = Math.round((startOf(last).getTime() - startOf(first).getTime()) / DAY_MS) + 1;
      const clipped = span > MAX_PERIOD_DAYS ? dayOf(new Date(startOf(last).getTime() - (MAX_PERIOD_DAYS - 1) * DAY_MS)) : first;
      return build('custom', clipped, last);
    }
    default:
      return build('7d', daysBack(6), today);
  }
}

/** The sessions list's query for one bucket of the period (a day; an hour's link opens its day). */
export function bucketDays(period: Period, bucket: Date): { from: string; to: string } {
  const value = dayOf(bucket);
  return period.bucket === 'hour' ? { from: period.from, to: period.to } : { from: value, to: value };
}
