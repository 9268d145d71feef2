import { and, asc, count, eq, isNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { AGENT_ROLES, agents, type AgentRole, type AgentRow } from '@/lib/db/schema';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@/lib/auth/password';
import { revokeAgentSessions } from '@/lib/auth/admin-sessions';
import type { AgentIdentity } from '@/lib/auth/identity';

export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('must be an e-mail address'))
  .transform((email) => email.toLowerCase());

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);

export const roleSchema = z.enum(AGENT_ROLES);

export const agentNameSchema = z.string().trim().min(1).max(120);

export function toIdentity(row: Pick<AgentRow, 'id' | 'email' | 'name' | 'role'>): AgentIdentity {
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

export async function findAgentByEmail(db: Database, email: string): Promise<AgentRow | undefined> {
  const [row] = await db.select().from(agents).where(eq(agents.email, email.trim().toLowerCase()));
  return row;
}

const UUID = z.uuid();

/** The agent behind a session, or null when it is unknown or disabled (disabling takes effect at once). */
export async function findActiveAgent(db: Database, id: string): Promise<AgentIdentity | null> {
  if (!UUID.safeParse(id).success) return null;
  const [row] = await db
    .select({ id: agents.id, email: agents.email, name: agents.name, role: agents.role })
    .from(agents)
    .where(and(eq(agents.id, id), isNull(agents.disabledAt)));
  return row ? toIdentity(row) : null;
}

export interface NewAgent {
  email: string;
  name: string | null;
  role: AgentRole;
  /** Plain text, hashed here; omit for an agent who signs in only through OAuth/OIDC. */
  password?: string;
}

/** Creates an agent; null when the e-mail is taken. */
export async function createAgent(db: Database, input: NewAgent): Promise<AgentRow | null> {
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  const [row] = await db
    .insert(agents)
    .values({ email: input.email.trim().toLowerCase(), name: input.name, role: input.role, passwordHash })
    .onConflictDoNothing({ target: agents.email })
    .returning();
  return row ?? null;
}

/**
 * Creates the very first agent, as an admin, only while the table is empty; null otherwise. One
 * statement, so two visitors racing through first-run setup cannot both become admin.
 */
export async function createFirstAdmin(
  db: Database,
  input: Omit<NewAgent, 'role' | 'password'> & { password: string },
): Promise<AgentRow | null> {
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    // Serialises concurrent first-run attempts; released at commit.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('tether:first-admin'))`);
    const [{ total } = { total: 0 }] = await tx.select({ total: count() }).from(agents);
    if (total > 0) return null;
    const [row] = await tx
      .insert(agents)
      .values({ email: input.email.trim().toLowerCase(), name: input.name, role: 'admin', passwordHash })
      .returning();
    return row ?? null;
  });
}

export async function countAgents(db: Database): Promise<number> {
  const [row] = await db.select({ total: count() }).from(agents);
  return row?.total ?? 0;
}

export type AgentSummary = Omit<AgentRow, 'passwordHash'> & { hasPassword: boolean };

export async function listAgents(db: Database): Promise<AgentSummary[]> {
  const rows = await db.select().from(agents).orderBy(asc(agents.email));
  return rows.map(({ passwordHash, ...rest }) => ({ ...rest, hasPassword: passwordHash !== null }));
}

export interface AgentChanges {
  name?: string | null;
  role?: AgentRole;
  disabled?: boolean;
  password?: string;
  /** End every signed-in session of this agent (they sign in again). */
  signOutEverywhere?: boolean;
}

export type UpdateAgentResult =
  | { kind: 'updated'; agent: AgentSummary; sessionsRevoked: number }
  | { kind: 'not_found' }
  | { kind: 'last_admin' };

/**
 * Applies an admin's changes to an agent. Refuses to demote or disable the last enabled admin, so
 * the console can never lock everyone out.
 */
export async function updateAgent(db: Database, id: string, changes: AgentChanges): Promise<UpdateAgentResult> {
  const passwordHash = changes.password === undefined ? undefined : await hashPassword(changes.password);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('tether:admins'))`);
    const [current] = await tx.select().from(agents).where(eq(agents.id, id));
    if (!current) return { kind: 'not_found' } as const;
    const losesAdmin =
      current.role === 'admin' && current.disabledAt === null && (changes.role === 'agent' || changes.disabled === true);
    if (losesAdmin) {
      const [{ others } = { others: 0 }] = await tx
        .select({ others: count() })
        .from(agents)
        .where(and(eq(agents.role, 'admin'), isNull(agents.disabledAt), ne(agents.id, id)));
      if (others === 0) return { kind: 'last_admin' } as const;
    }
    const [row] = await tx
      .update(agents)
      .set({
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.role !== undefined ? { role: changes.role } : {}),
        ...(changes.disabled !== undefined ? { disabledAt: changes.disabled ? (current.disabledAt ?? new Date()) : null } : {}),
        ...(passwordHash !== undefined ? { passwordHash } : {}),
        updatedAt: new Date(),
      })
      .where(eq(agents.id, id))
      .returning();
    if (!row) return { kind: 'not_found' } as const;
    // A cookie issued before a new password, a new role or a disable must not outlive the change.
    const revoke =
      changes.signOutEverywhere === true ||
      passwordHash !== undefined ||
      (changes.role !== undefined && changes.role !== current.role) ||
      changes.disabled === true;
    const sessionsRevoked = revoke ? await revokeAgentSessions(tx, id) : 0;
    const { passwordHash: stored, ...rest } = row;
    return { kind: 'updated', agent: { ...rest, hasPassword: stored !== null }, sessionsRevoked } as const;
  });
}

export async function recordSignIn(db: Database, id: string): Promise<void> {
  await db.update(agents).set({ lastSignInAt: new Date() }).where(eq(agents.id, id));
}
