import type { AgentIdentity } from '@/lib/auth/identity';
import { sessionRef } from '@/lib/session-ref';
import type { TestStack } from '../../support/stack';

/**
 * Seeds what reviewers leave behind, straight into their tables (the queue, rubric and corrections
 * code is other modules'): a conversation's review item, a criterion, a score, a correction.
 */

export async function reviewItem(stack: TestStack, sessionId: string, state: 'to_review' | 'done' = 'to_review'): Promise<string> {
  const [row] = await stack.query<{ id: string }>(
    `insert into review_items (session_id, reasons, state, done_at) values ($1, '{manual}', $2, case when $2 = 'done' then now() end)
     on conflict (session_id) do update set state = excluded.state, done_at = excluded.done_at returning id`,
    [sessionRef(sessionId), state],
  );
  if (!row) throw new Error('no review item');
  return row.id;
}

/** The current version of a criterion (migration 0010 seeds correct, helpful, tone, should_have_handed_off). */
export async function criterion(stack: TestStack, key: string): Promise<string> {
  const [row] = await stack.query<{ id: string }>('select id from rubric_criteria where key = $1 and retired_at is null', [key]);
  if (!row) throw new Error(`no criterion ${key}`);
  return row.id;
}

export async function score(
  stack: TestStack,
  reviewer: AgentIdentity,
  sessionId: string,
  auditId: string,
  criterionId: string,
  value: number,
): Promise<void> {
  const itemId = await reviewItem(stack, sessionId);
  await stack.query(
    `insert into review_scores (item_id, session_id, audit_id, criterion_id, reviewer_id, reviewer_name, value)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [itemId, sessionRef(sessionId), auditId, criterionId, reviewer.id, reviewer.name ?? reviewer.email, value],
  );
}

export async function correct(stack: TestStack, reviewer: AgentIdentity, sessionId: string, auditId: string, text: string): Promise<void> {
  await stack.query(
    `insert into review_corrections (audit_id, session_id, text, author_id, author_name) values ($1, $2, $3, $4, $5)`,
    [auditId, sessionRef(sessionId), text, reviewer.id, reviewer.name ?? reviewer.email],
  );
}

/** One conversation of `texts.length` turns; the audit ids in order. */
export async function conversation(stack: TestStack, texts: string[]): Promise<{ sessionId: string; auditIds: string[] }> {
  const sessionId = await stack.newSession();
  const auditIds: string[] = [];
  for (const text of texts) {
    const turn = await stack.send(sessionId, text);
    if (!turn.meta?.auditId) throw new Error(`turn failed: ${JSON.stringify(turn.error)}`);
    auditIds.push(turn.meta.auditId);
  }
  return { sessionId, auditIds };
}

export function parseJsonl(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
