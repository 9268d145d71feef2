import { z } from 'zod';

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
  at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
  id: z.string().min(1).max(200),
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
