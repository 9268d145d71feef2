import type { z } from 'zod';
import { ApiError } from '@/lib/errors';

/**
 * How a refusal is worded for one input. Codes never depend on it: a field the schema does not know
 * is always `unknown_field`, any other mismatch `invalid_request`.
 */
export interface ZodWording {
  /** The accepted shape, told to the caller as `Expected <expected>.` */
  expected?: string;
  /** With `expected`: lead with the first issue's field and reason (`text: …. Expected …`). */
  detail?: boolean;
  /** The fields that may be sent: unknown ones are then refused as `Only … may be sent; remove: ….` */
  allowed?: readonly string[];
}

function quoted(names: readonly PropertyKey[]): string {
  return names.map((name) => `"${String(name)}"`).join(', ');
}

function listed(names: readonly string[]): string {
  const all = names.map((name) => `"${name}"`);
  return all.length > 1 ? `${all.slice(0, -1).join(', ')} and ${all.at(-1)}` : (all[0] ?? '');
}

/** The one mapping from a failed Zod parse to the API's error: every body, query and path parameter goes through it. */
export function apiErrorFromZod(error: z.ZodError, wording: ZodWording = {}): ApiError {
  const unknown = error.issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknown && 'keys' in unknown) {
    if (wording.allowed) {
      return new ApiError(
        400,
        'unknown_field',
        `Only ${listed(wording.allowed)} may be sent; remove: ${quoted(unknown.keys)}.`,
      );
    }
    if (wording.expected !== undefined) return new ApiError(400, 'unknown_field', `Expected ${wording.expected}.`);
    const where = unknown.path.length > 0 ? ` in ${unknown.path.join('.')}` : '';
    return new ApiError(
      400,
      'unknown_field',
      `Unknown field${unknown.keys.length > 1 ? 's' : ''}${where}: ${quoted(unknown.keys)}.`,
    );
  }
  const first = error.issues[0];
  const issue = `${first && first.path.length > 0 ? `${first.path.join('.')}: ` : ''}${first?.message ?? 'invalid request'}`;
  if (wording.expected === undefined) return new ApiError(400, 'invalid_request', issue);
  return new ApiError(
    400,
    'invalid_request',
    wording.detail ? `${issue}. Expected ${wording.expected}.` : `Expected ${wording.expected}.`,
  );
}

/** The input as the schema reads it, or the mapped ApiError thrown. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, wording?: ZodWording): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw apiErrorFromZod(parsed.error, wording);
  return parsed.data;
}
