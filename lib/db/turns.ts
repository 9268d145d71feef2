import { and, eq } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { turns } from '@/lib/db/schema';
import { sessionRef } from '@/lib/session-ref';

/**
 * Whether a turn belongs to a session: flags, notes and customer ratings must not pair one session
 * with another's turn. Here, below both chat and admin, so neither imports the other for it.
 */
export async function turnInSession(db: Database, sessionId: string, auditId: string): Promise<boolean> {
  const [row] = await db
    .select({ auditId: turns.auditId })
    .from(turns)
    .where(and(eq(turns.sessionId, sessionRef(sessionId)), eq(turns.auditId, auditId)));
  return row !== undefined;
}
