import { sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { customerIdentities, identitySessions } from '@/lib/db/schema';
import type { VerifiedIdentity } from '@/lib/identity/token';
import { sessionRef } from '@/lib/session-ref';
import { verifiedSessionId } from '@/lib/session-id';

export interface ClaimedConversation {
  sessionId: string;
  /** True the first time this conversation's id is handed out (on any device). */
  created: boolean;
}

/**
 * The conversation a verified customer continues: records the identity (name and e-mail as last
 * signed), moves to a fresh generation on "new conversation", and maps the conversation's
 * reference to the sub. The id itself is derived, never stored (lib/session-id.ts).
 */
export async function claimConversation(
  db: Database,
  sessionSecret: string,
  identity: VerifiedIdentity,
  options: { newConversation: boolean; now: Date },
): Promise<ClaimedConversation> {
  const { now } = options;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(customerIdentities)
      .values({
        sub: identity.sub,
        name: identity.name ?? null,
        email: identity.email ?? null,
        generation: 0,
        firstSeenAt: now,
        lastSeenAt: now,
      })
      .onConflictDoUpdate({
        target: customerIdentities.sub,
        set: {
          name: identity.name ?? null,
          email: identity.email ?? null,
          lastSeenAt: now,
          // A first sign-in is already a fresh conversation; only an existing customer moves on.
          generation: options.newConversation ? sql`${customerIdentities.generation} + 1` : customerIdentities.generation,
        },
      })
      .returning({ generation: customerIdentities.generation });
    if (!row) throw new Error('customer identity upsert returned no row');
    const sessionId = verifiedSessionId(sessionSecret, identity.sub, row.generation);
    const inserted = await tx
      .insert(identitySessions)
      .values({ sessionRef: sessionRef(sessionId), sub: identity.sub, generation: row.generation, createdAt: now })
      .onConflictDoNothing()
      .returning({ sessionRef: identitySessions.sessionRef });
    return { sessionId, created: inserted.length > 0 };
  });
}
