import { eq } from 'drizzle-orm';
import { promptHash } from '@/lib/audit/sink';
import type { Database } from '@/lib/db/client';
import { turns, type StoredPromptMessage } from '@/lib/db/schema';
import { renderPromptForReview } from '@/lib/prompt/assemble';
import { sessionRef } from '@/lib/session-ref';
import { fromDbText } from '@/lib/db/text';

/** "What the model saw" for one turn: the exact messages array, as stored when the turn ran. */
export interface TurnPrompt {
  auditId: string;
  /** The conversation's reference (never its id: that is the customer's key). */
  sessionRef: string;
  messages: StoredPromptMessage[];
  /** The same messages as plain text, for copying into a ticket. */
  rendered: string;
  /** Audit ids of the remembered turns in the prompt, oldest first. */
  contextAuditIds: string[];
  /** The stored hash still matches the stored messages: nobody edited them afterwards. */
  verified: boolean;
}

export async function getTurnPrompt(db: Database, auditId: string): Promise<TurnPrompt | null> {
  const [row] = await db
    .select({
      auditId: turns.auditId,
      sessionId: turns.sessionId,
      messages: turns.promptMessages,
      hash: turns.promptHash,
      contextAuditIds: turns.contextAuditIds,
    })
    .from(turns)
    .where(eq(turns.auditId, auditId));
  if (!row) return null;
  // Re-serialised in the stored key order (role, content), which is how the hash was computed, and
  // in the original text form (lib/db/text.ts): the hash is of the messages as sent.
  const messages = row.messages.map(({ role, content }) => ({ role, content: fromDbText(content) }));
  return {
    auditId: row.auditId,
    sessionRef: sessionRef(row.sessionId),
    messages,
    rendered: renderPromptForReview(messages),
    contextAuditIds: row.contextAuditIds,
    verified: promptHash(messages) === row.hash,
  };
}
