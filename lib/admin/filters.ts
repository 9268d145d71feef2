import { z } from 'zod';

/**
 * The sessions list's filters as they travel in a URL (the list page, its export link and the
 * export route all read the same query string). Dates are calendar days in UTC, both ends included.
 */

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((value) => (value ? value : undefined));

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2025-01-31')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'is not a real date')
  .optional()
  .or(z.literal('').transform(() => undefined));

const flag = z
  .enum(['1', 'on', 'true'])
  .optional()
  .or(z.literal('').transform(() => undefined))
  .transform((value) => value !== undefined);

export const listFiltersSchema = z.object({
  q: text(200),
  from: day,
  to: day,
  errors: flag,
  fallback: flag,
  flagged: flag,
  model: text(200),
});

export type ListFilters = z.infer<typeof listFiltersSchema>;

/** The first value of each parameter: Next hands repeated parameters over as arrays. */
export function firstValues(params: URLSearchParams | Record<string, string | string[] | undefined>): Record<string, string> {
  const entries = params instanceof URLSearchParams ? [...params.keys()].map((key) => [key, params.get(key)] as const) : Object.entries(params);
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
}

/** Unknown or malformed parameters are dropped rather than failing the page: it is a URL people edit. */
export function parseListFilters(params: Record<string, string>): ListFilters {
  const shape = listFiltersSchema.shape;
  const field = <K extends keyof typeof shape>(key: K): z.output<(typeof shape)[K]> | undefined => {
    const parsed = shape[key].safeParse(params[key]);
    return parsed.success ? (parsed.data as z.output<(typeof shape)[K]>) : undefined;
  };
  return {
    q: field('q'),
    from: field('from'),
    to: field('to'),
    errors: field('errors') ?? false,
    fallback: field('fallback') ?? false,
    flagged: field('flagged') ?? false,
    model: field('model'),
  };
}

/** Filters back to a query string (for export links and paging), without empty values. */
export function filtersToParams(filters: ListFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q) params.set('q', filters.q);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.errors) params.set('errors', '1');
  if (filters.fallback) params.set('fallback', '1');
  if (filters.flagged) params.set('flagged', '1');
  if (filters.model) params.set('model', filters.model);
  return params;
}
