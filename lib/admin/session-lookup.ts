import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { ApiError } from '@/lib/errors';
import { sessions } from '@/lib/db/schema';
import { SESSION_REF_PATTERN } from '@/lib/session-ref';

/**
 * Staff name a conversation by its reference (lib/session-ref.ts), never by its id: the id is the
 * customer's bearer key. Admin URLs and API routes take the reference and look the session up here.
 */
export const sessionRefSchema = z.string().regex(SESSION_REF_PATTERN, 'must be a conversation reference such as c_abcdefghijklmnop');

export function isSessionRef(value: string): boolean {
  return SESSION_REF_PATTERN.test(value);
}

/**
 * The database key of the session behind a reference: the reference itself (the database keeps no
 * session id), or null for anything that is not the reference of a stored session.
 */
export async function sessionIdForRef(db: Database, ref: string): Promise<string | null> {
  if (!isSessionRef(ref)) return null;
  const [row] = await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.ref, ref));
  return row?.id ?? null;
}

/** The same for an API route: a reference naming no stored session is the one 404 every route gives. */
export async function requireSessionId(db: Database, ref: string): Promise<string> {
  const sessionId = await sessionIdForRef(db, ref);
  if (!sessionId) throw new ApiError(404, 'not_found', 'No such session.');
  return sessionId;
}
