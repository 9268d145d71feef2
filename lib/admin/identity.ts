import { eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { customerIdentities, identitySessions, sessions } from '@/lib/db/schema';
import type { AgentIdentity } from '@/lib/auth/identity';
import { logAccess } from '@/lib/auth/access-log';
import type { ListFilters } from '@/lib/admin/filters';

/**
 * Who a conversation's customer is, as the host site signed it (lib/identity): shown to agents on the
 * list, the transcript and in exports. Conversations are matched to identities by reference only.
 */
export interface CustomerIdentityView {
  sub: string;
  name: string | null;
  email: string | null;
}

export interface CustomerProfile extends CustomerIdentityView {
  firstSeenAt: Date;
  lastSeenAt: Date;
}

/** The identities of these conversations (by reference); anonymous ones are absent from the map. */
export async function identitiesByRef(db: Database, refs: string[]): Promise<Map<string, CustomerIdentityView>> {
  const found = new Map<string, CustomerIdentityView>();
  if (refs.length === 0) return found;
  const rows = await db
    .select({ ref: identitySessions.sessionRef, sub: customerIdentities.sub, name: customerIdentities.name, email: customerIdentities.email })
    .from(identitySessions)
    .innerJoin(customerIdentities, eq(customerIdentities.sub, identitySessions.sub))
    .where(inArray(identitySessions.sessionRef, refs));
  for (const { ref, ...identity } of rows) found.set(ref, identity);
  return found;
}

export async function identityOfRef(db: Database, ref: string): Promise<CustomerIdentityView | null> {
  return (await identitiesByRef(db, [ref])).get(ref) ?? null;
}

export async function customerProfile(db: Database, sub: string): Promise<CustomerProfile | null> {
  const [row] = await db
    .select({
      sub: customerIdentities.sub,
      name: customerIdentities.name,
      email: customerIdentities.email,
      firstSeenAt: customerIdentities.firstSeenAt,
      lastSeenAt: customerIdentities.lastSeenAt,
    })
    .from(customerIdentities)
    .where(eq(customerIdentities.sub, sub));
  return row ?? null;
}

/** The customer page's read: opening a customer's page is recorded like opening a transcript. */
export async function openCustomer(
  db: Database,
  agent: Pick<AgentIdentity, 'id' | 'email'>,
  sub: string,
): Promise<CustomerProfile | null> {
  const profile = await customerProfile(db, sub);
  if (profile) await logAccess(db, agent, 'view_customer', { detail: { sub } });
  return profile;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The sessions list's identity filters (verified/anonymous, a customer search, one customer's sub). */
export function identityConditions(filters: Pick<ListFilters, 'identity' | 'customer' | 'sub'>): SQL[] {
  const where: SQL[] = [];
  const verifiedRefs = sql`(select ${identitySessions.sessionRef} from ${identitySessions})`;
  if (filters.identity === 'verified') where.push(sql`${sessions.ref} in ${verifiedRefs}`);
  if (filters.identity === 'anonymous') where.push(sql`(${sessions.ref} is null or ${sessions.ref} not in ${verifiedRefs})`);
  if (filters.sub) {
    where.push(sql`${sessions.ref} in (select ${identitySessions.sessionRef} from ${identitySessions} where ${identitySessions.sub} = ${filters.sub})`);
  }
  if (filters.customer) {
    // The sub exactly (it is the site's key), name and e-mail as parts, case-insensitively.
    const like = `%${escapeLike(filters.customer)}%`;
    where.push(
      sql`${sessions.ref} in (select s.session_ref from ${identitySessions} s join ${customerIdentities} c on c.sub = s.sub
            where c.sub = ${filters.customer} or c.name ilike ${like} or c.email ilike ${like})`,
    );
  }
  return where;
}
