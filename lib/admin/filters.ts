import { z } from 'zod';
import { daySchema } from '@/lib/admin/days';

/**
 * The sessions list's filters as they travel in a URL (the list page, its export link and the
 * export route all read the same query string). Dates are calendar days in UTC, both ends included.
 * A conversation is named by its reference (c_…), never by its id.
 */

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .optional()
    .transform((value) => (value ? value : undefined));

/** Built per parse: the accepted range ends tomorrow (lib/admin/days.ts). */
const dayFor = (now: Date) =>
  daySchema(now)
    .optional()
    .or(z.literal('').transform(() => undefined));
const day = dayFor(new Date());

const flag = z
  .enum(['1', 'on', 'true'])
  .optional()
  .or(z.literal('').transform(() => undefined))
  .transform((value) => value !== undefined);

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .enum(values)
    .optional()
    .or(z.literal('').transform(() => undefined));

/** A score bound as typed in the URL: a whole or decimal number 0–10. */
const scoreBound = z
  .string()
  .trim()
  .regex(/^\d{1,2}(\.\d{1,2})?$/, 'must be a number from 0 to 10')
  .transform(Number)
  .refine((value) => value <= 10, 'must be a number from 0 to 10')
  .optional()
  .or(z.literal('').transform(() => undefined));

export const FEEDBACK_FILTERS = ['up', 'down'] as const;
export const MEMORY_FILTERS = ['expired', 'unavailable'] as const;
export const IDENTITY_FILTERS = ['verified', 'anonymous'] as const;

export const listFiltersSchema = z.object({
  /** Words to search for in transcripts, or a conversation reference (c_…) to find it. */
  q: text(200),
  from: day,
  to: day,
  /** Errors, and unfinished turns (pending, abandoned): anything that went wrong. */
  errors: flag,
  /** Only turns that never finished (pending, abandoned). */
  unfinished: flag,
  fallback: flag,
  flagged: flag,
  model: text(200),
  /** A turn whose memory was this (within from–to when set): the overview's fallback links. */
  memory: oneOf(MEMORY_FILTERS),
  /** A turn that failed with this error code (within from–to when set). */
  code: z
    .string()
    .trim()
    .regex(/^[a-z_]{1,64}$/, 'must be an error code such as model_timeout')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** A turn the customer rated so. */
  feedback: oneOf(FEEDBACK_FILTERS),
  /** Verified customers (the host site signed who they are) or anonymous ones (lib/admin/identity.ts). */
  identity: oneOf(IDENTITY_FILTERS),
  /** A verified customer's sub (exactly), name or e-mail. */
  customer: text(320),
  /** Every conversation of one verified customer. */
  sub: text(255),
  /** A rubric criterion's key: conversations scored on it (current version), within scoreMin–scoreMax. */
  score: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be a criterion such as helpful')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Bounds (inclusive) on the conversation's mean score for `score`. */
  scoreMin: scoreBound,
  scoreMax: scoreBound,
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

export interface ReadFilters {
  /** The filters that parsed; a malformed one is left out. */
  filters: ListFilters;
  /** One sentence per malformed parameter ("to: must be between …"): pages show them, the API refuses with the first. */
  problems: string[];
}

const LABELS: Partial<Record<keyof ListFilters, string>> = {
  from: 'from',
  to: 'to',
  memory: 'memory (expired or unavailable)',
  feedback: 'feedback (up or down)',
  errors: 'errors (1 or nothing)',
  scoreMin: 'lowest score',
  scoreMax: 'highest score',
  unfinished: 'unfinished (1 or nothing)',
  fallback: 'fallback (1 or nothing)',
  flagged: 'flagged (1 or nothing)',
};

/**
 * Every known parameter, checked. Unknown parameters are ignored (the list's URL also carries its
 * paging cursors); a malformed one is left out and named in `problems`, so the page can say why
 * the list is not filtered as asked and the export can refuse before it starts streaming.
 */
export function readListFilters(params: Record<string, string>, now: Date = new Date()): ReadFilters {
  const shape = { ...listFiltersSchema.shape, from: dayFor(now), to: dayFor(now) };
  const problems: string[] = [];
  const field = <K extends keyof typeof shape>(key: K): z.output<(typeof shape)[K]> | undefined => {
    const parsed = shape[key].safeParse(params[key]);
    if (parsed.success) return parsed.data as z.output<(typeof shape)[K]>;
    const issue = parsed.error.issues.find((i) => i.code === 'custom') ?? parsed.error.issues[0];
    const message = issue?.code === 'invalid_union' || issue?.code === 'invalid_value' || !issue ? 'is not a valid value' : issue.message;
    problems.push(`${LABELS[key] ?? key}: ${message}.`);
    return undefined;
  };
  const filters: ListFilters = {
    q: field('q'),
    from: field('from'),
    to: field('to'),
    errors: field('errors') ?? false,
    unfinished: field('unfinished') ?? false,
    fallback: field('fallback') ?? false,
    flagged: field('flagged') ?? false,
    model: field('model'),
    memory: field('memory'),
    code: field('code'),
    feedback: field('feedback'),
    identity: field('identity'),
    customer: field('customer'),
    sub: field('sub'),
    score: field('score'),
    scoreMin: field('scoreMin'),
    scoreMax: field('scoreMax'),
  };
  if (filters.from && filters.to && filters.from > filters.to) {
    problems.push(`from (${filters.from}) is after to (${filters.to}): swap them to see those days.`);
    filters.from = undefined;
    filters.to = undefined;
  }
  return { filters, problems };
}

/** Malformed parameters are dropped rather than failing the page: it is a URL people edit. */
export function parseListFilters(params: Record<string, string>): ListFilters {
  return readListFilters(params).filters;
}

/** Filters back to a query string (for export links and paging), without empty values. */
export function filtersToParams(filters: ListFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q) params.set('q', filters.q);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.errors) params.set('errors', '1');
  if (filters.unfinished) params.set('unfinished', '1');
  if (filters.fallback) params.set('fallback', '1');
  if (filters.flagged) params.set('flagged', '1');
  if (filters.model) params.set('model', filters.model);
  if (filters.memory) params.set('memory', filters.memory);
  if (filters.code) params.set('code', filters.code);
  if (filters.feedback) params.set('feedback', filters.feedback);
  if (filters.identity) params.set('identity', filters.identity);
  if (filters.customer) params.set('customer', filters.customer);
  if (filters.sub) params.set('sub', filters.sub);
  if (filters.score) params.set('score', filters.score);
  if (filters.score && filters.scoreMin !== undefined) params.set('scoreMin', String(filters.scoreMin));
  if (filters.score && filters.scoreMax !== undefined) params.set('scoreMax', String(filters.scoreMax));
  return params;
}
