import { z } from 'zod';
import { MIN_DAY } from '@/lib/admin/days';

/**
 * A keyset position in the sessions list: the last row's activity time and id. The time travels as
 * Postgres printed it (microseconds, UTC), because a JavaScript Date would round it to milliseconds
 * and rows could be skipped or repeated at a page boundary.
 */
export interface SessionCursor {
  at: string;
  id: string;
}

const cursorSchema = z.object({
  // A real instant in the audit's range: Postgres refuses year 0 or month 13 (that was a 500).
  at: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/)
    .refine((value) => {
      const time = Date.parse(`${value.slice(0, 23)}Z`);
      return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 19) === value.slice(0, 19) && value.slice(0, 10) >= MIN_DAY;
    }),
  // Session ids are printable ASCII; anything else did not come from this code.
  id: z.string().regex(/^[\x21-\x7e]{1,200}$/),
});

export function encodeCursor(cursor: SessionCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

/** Null for anything that is not a cursor this code wrote (a stale or hand-edited link starts over). */
export function decodeCursor(value: string | undefined): SessionCursor | null {
  if (!value || value.length > 400) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown[];
    const parsed = cursorSchema.safeParse({ at, id });
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
