import { and, eq, gt, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { adminSessions, agents } from '@/lib/db/schema';
import type { AgentIdentity } from '@/lib/auth/identity';

/**
 * Server-side admin sessions. The Auth.js cookie is a signed, encrypted JWT: on its own it cannot be
 * taken back. It therefore carries the id of a row here, and a cookie counts only while that row is
 * live: not revoked, seen within the idle timeout, younger than the absolute lifetime, its agent
 * enabled. One query per request; the last-seen write happens at most once a minute.
 */

type Executor = Pick<Database, 'insert' | 'update' | 'select'>;

export interface SessionLimits {
  idleSeconds: number;
  maxAgeSeconds: number;
}

/** How stale lastSeenAt may get before a request refreshes it (keeps writes rare). */
const TOUCH_AFTER_MS = 60_000;
const UUID = z.uuid();

export async function startAdminSession(db: Executor, agentId: string, now = new Date()): Promise<string> {
  const [row] = await db.insert(adminSessions).values({ agentId, createdAt: now, lastSeenAt: now }).returning({ id: adminSessions.id });
  if (!row) throw new Error('admin session not created');
  return row.id;
}

/** The enabled agent behind a live session, or null. */
export async function resolveAdminSession(
  db: Database,
  sessionId: string,
  agentId: string,
  limits: SessionLimits,
  now = new Date(),
): Promise<AgentIdentity | null> {
  if (!UUID.safeParse(sessionId).success || !UUID.safeParse(agentId).success) return null;
  const idleSince = new Date(now.getTime() - limits.idleSeconds * 1000);
  const bornAfter = new Date(now.getTime() - limits.maxAgeSeconds * 1000);
  const [row] = await db
    .select({ id: agents.id, email: agents.email, name: agents.name, role: agents.role, lastSeenAt: adminSessions.lastSeenAt })
    .from(adminSessions)
    .innerJoin(agents, eq(agents.id, adminSessions.agentId))
    .where(
      and(
        eq(adminSessions.id, sessionId),
        eq(adminSessions.agentId, agentId),
        isNull(adminSessions.revokedAt),
        gt(adminSessions.lastSeenAt, idleSince),
        gt(adminSessions.createdAt, bornAfter),
        isNull(agents.disabledAt),
      ),
    );
  if (!row) return null;
  if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_AFTER_MS) {
    await db.update(adminSessions).set({ lastSeenAt: now }).where(eq(adminSessions.id, sessionId));
  }
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

/** Sign-out: this browser's session ends on the server, whatever happens to the cookie. */
export async function endAdminSession(db: Executor, sessionId: string, now = new Date()): Promise<void> {
  if (!UUID.safeParse(sessionId).success) return;
  await db.update(adminSessions).set({ revokedAt: now }).where(and(eq(adminSessions.id, sessionId), isNull(adminSessions.revokedAt)));
}

/** Every live session of an agent ends (sign out everywhere, password/role change, disable). */
export async function revokeAgentSessions(db: Pick<Database, 'update'>, agentId: string, now = new Date()): Promise<number> {
  const rows = await db
    .update(adminSessions)
    .set({ revokedAt: now })
    .where(and(eq(adminSessions.agentId, agentId), isNull(adminSessions.revokedAt)))
    .returning({ id: adminSessions.id });
  return rows.length;
}
