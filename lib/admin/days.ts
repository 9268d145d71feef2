import { z } from 'zod';

/**
 * The calendar days (UTC, YYYY-MM-DD) that admin filters accept. Postgres has no year 0 and
 * JavaScript prints years past 9999 as "+010000-…", so an unchecked day used to reach the database
 * as an instant it refused (a 500). Nothing in the audit is older than the product or in the future:
 * days outside 2000-01-01 … tomorrow (UTC) select nothing and are refused with a message instead.
 */

export const MIN_DAY = '2000-01-01';
const DAY_MS = 24 * 60 * 60 * 1000;

export const dayOf = (date: Date): string => date.toISOString().slice(0, 10);

/** Tomorrow in UTC: an agent ahead of UTC may pick their own "today". */
export const maxDay = (now: Date = new Date()): string => dayOf(new Date(now.getTime() + DAY_MS));

/** A real calendar day (2021-02-30 is not), in the accepted range. */
export function daySchema(now: Date = new Date()) {
  const max = maxDay(now);
  return z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2025-01-31')
    .refine((value) => {
      const time = Date.parse(`${value}T00:00:00Z`);
      return !Number.isNaN(time) && dayOf(new Date(time)) === value;
    }, 'is not a real date')
    .refine((value) => value >= MIN_DAY && value <= max, `must be between ${MIN_DAY} and ${max}`);
}
