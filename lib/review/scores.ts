import { and, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { logAccess } from '@/lib/auth/access-log';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import { reviewItems, reviewScores, rubricCriteria, turns } from '@/lib/db/schema';
import { ApiError } from '@/lib/errors';
import { type Agreement, agreementOf, groupKey } from '@/lib/review/agreement';
import { appliesTo, type CriterionView, criterionById, criterionView } from '@/lib/review/rubric';

/**
 * Scores: one reviewer's value for one criterion version, on one assistant reply or on the whole
 * conversation. Scoring again replaces the reviewer's own value; clearing removes it. A score is
 * read with the criterion version it was given under, never with today's rubric.
 */

export const scoreRequestSchema = z.strictObject({
  /** The conversation, by its reference. */
  ref: z.string().min(1).max(200),
  /** The reply scored, or null for the conversation. */
  auditId: z.uuid().nullable(),
  criterionId: z.uuid(),
  /** Null clears the reviewer's score. */
  value: z.number().int().min(0).max(10).nullable(),
});

/** What reviewers see as their name: the agent's name, else the part of the e-mail before @ (never the address). */
export function reviewerName(agent: Pick<AgentIdentity, 'name' | 'email'>): string {
  return agent.name?.trim() || agent.email.split('@')[0] || 'Reviewer';
}

/** The conversation's review item, made (reason `manual`) when someone scores a conversation not yet queued. */
export async function ensureReviewItem(db: Pick<Database, 'insert' | 'select'>, sessionId: string, agent: AgentIdentity): Promise<string> {
  await db.insert(reviewItems).values({ sessionId, reasons: ['manual'], addedBy: agent.id }).onConflictDoNothing();
  const [item] = await db.select({ id: reviewItems.id }).from(reviewItems).where(eq(reviewItems.sessionId, sessionId));
  if (!item) throw new ApiError(404, 'not_found', 'No such session.');
  return item.id;
}

/** The reply as a score or correction target: a turn of this conversation with assistant text. */
export async function requireReply(db: Pick<Database, 'select'>, sessionId: string, auditId: string): Promise<{ assistantText: string }> {
  const [turn] = await db
    .select({ assistantText: turns.assistantText })
    .from(turns)
    .where(and(eq(turns.sessionId, sessionId), eq(turns.auditId, auditId)));
  if (!turn) throw new ApiError(404, 'not_found', 'No such reply in this conversation.');
  if (turn.assistantText === null || turn.assistantText === '') {
    throw new ApiError(400, 'invalid_request', 'That turn has no assistant reply to review.');
  }
  return { assistantText: turn.assistantText };
}

export interface ScoreInput {
  sessionId: string;
  auditId: string | null;
  criterionId: string;
  value: number | null;
}

/** Checks the criterion and the value against the version it names (current, right target, in bounds). */
function checkScore(criterion: CriterionView | null, input: ScoreInput): CriterionView {
  if (!criterion) throw new ApiError(404, 'not_found', 'No such criterion.');
  if (criterion.retiredAt) {
    throw new ApiError(409, 'invalid_state', `“${criterion.label}” (version ${criterion.version}) was changed or removed: reload to score with the current rubric.`);
  }
  const target = input.auditId ? 'turn' : 'conversation';
  if (!appliesTo(criterion, target)) {
    throw new ApiError(400, 'invalid_request', `“${criterion.label}” is scored per ${criterion.appliesTo === 'turn' ? 'reply' : 'conversation'}, not per ${target === 'turn' ? 'reply' : 'conversation'}.`);
  }
  if (input.value !== null && (input.value < criterion.scaleMin || input.value > criterion.scaleMax)) {
    const range = criterion.kind === 'yes_no' ? '0 (no) or 1 (yes)' : `${criterion.scaleMin} to ${criterion.scaleMax}`;
    throw new ApiError(400, 'invalid_request', `“${criterion.label}” takes ${range}.`);
  }
  return criterion;
}

/** Sets (or with value null clears) the signed-in reviewer's score; logged as `review_score`. */
export async function setScore(db: Database, agent: AgentIdentity, input: ScoreInput): Promise<{ value: number | null }> {
  const criterion = checkScore(await criterionById(db, input.criterionId), input);
  if (input.auditId) await requireReply(db, input.sessionId, input.auditId);
  return db.transaction(async (tx) => {
    const target = input.auditId
      ? and(eq(reviewScores.auditId, input.auditId), eq(reviewScores.criterionId, criterion.id), eq(reviewScores.reviewerId, agent.id))
      : and(
          eq(reviewScores.sessionId, input.sessionId),
          isNull(reviewScores.auditId),
          eq(reviewScores.criterionId, criterion.id),
          eq(reviewScores.reviewerId, agent.id),
        );
    if (input.value === null) {
      const removed = await tx.delete(reviewScores).where(target).returning({ id: reviewScores.id });
      if (removed.length > 0) {
        await logAccess(tx, agent, 'review_score', {
          sessionId: input.sessionId,
          auditId: input.auditId,
          detail: { criterion: criterion.key, version: criterion.version, value: null },
        });
      }
      return { value: null };
    }
    const itemId = await ensureReviewItem(tx, input.sessionId, agent);
    const now = new Date();
    const values = {
      itemId,
      sessionId: input.sessionId,
      auditId: input.auditId,
      criterionId: criterion.id,
      reviewerId: agent.id,
      reviewerName: reviewerName(agent),
      value: input.value,
      updatedAt: now,
    };
    const set = { value: input.value, reviewerName: values.reviewerName, updatedAt: now };
    await (input.auditId
      ? tx
          .insert(reviewScores)
          .values(values)
          .onConflictDoUpdate({ target: [reviewScores.auditId, reviewScores.criterionId, reviewScores.reviewerId], targetWhere: sql`audit_id is not null`, set })
      : tx
          .insert(reviewScores)
          .values(values)
          .onConflictDoUpdate({ target: [reviewScores.itemId, reviewScores.criterionId, reviewScores.reviewerId], targetWhere: sql`audit_id is null`, set }));
    await logAccess(tx, agent, 'review_score', {
      sessionId: input.sessionId,
      auditId: input.auditId,
      detail: { criterion: criterion.key, version: criterion.version, value: input.value },
    });
    return { value: input.value };
  });
}

export interface ScoreView {
  reviewerId: string;
  reviewerName: string;
  value: number;
  updatedAt: Date;
}

/** One criterion version's scores on one target, with the version's own label and scale. */
export interface CriterionScores {
  criterion: CriterionView;
  scores: ScoreView[];
  agreement: Agreement;
}

export interface TargetScores {
  /** The reply, or null for the conversation. */
  auditId: string | null;
  criteria: CriterionScores[];
}

export interface ItemScores {
  targets: TargetScores[];
  /** Over every target and criterion version of the conversation. */
  agreement: Agreement;
}

/** A conversation's scores grouped by target (conversation first, then replies), criterion version and reviewer. */
export async function readScores(db: Database, sessionId: string): Promise<ItemScores> {
  const rows = await db
    .select({ score: reviewScores, criterion: rubricCriteria })
    .from(reviewScores)
    .innerJoin(rubricCriteria, eq(rubricCriteria.id, reviewScores.criterionId))
    .where(eq(reviewScores.sessionId, sessionId))
    .orderBy(rubricCriteria.position, rubricCriteria.key, rubricCriteria.version, reviewScores.createdAt);
  const forAgreement = rows.map(({ score, criterion }) => ({
    auditId: score.auditId,
    criterionId: score.criterionId,
    kind: criterion.kind,
    reviewerId: score.reviewerId,
    value: score.value,
  }));
  const targets = new Map<string, TargetScores>();
  const groups = new Map<string, CriterionScores>();
  for (const { score, criterion } of rows) {
    const targetKey = score.auditId ?? 'conversation';
    let target = targets.get(targetKey);
    if (!target) {
      target = { auditId: score.auditId, criteria: [] };
      targets.set(targetKey, target);
    }
    const key = groupKey(score);
    let group = groups.get(key);
    if (!group) {
      group = {
        criterion: criterionView(criterion),
        scores: [],
        agreement: agreementOf(forAgreement.filter((other) => groupKey(other) === key)),
      };
      groups.set(key, group);
      target.criteria.push(group);
    }
    group.scores.push({ reviewerId: score.reviewerId, reviewerName: score.reviewerName, value: score.value, updatedAt: score.updatedAt });
  }
  const ordered = [...targets.values()].sort((a, b) => (a.auditId === null ? -1 : b.auditId === null ? 1 : 0));
  return { targets: ordered, agreement: agreementOf(forAgreement) };
}

/** Overall agreement across every reviewed conversation (optionally scores updated since a date). */
export async function overallAgreement(db: Database, since?: Date): Promise<Agreement> {
  const rows = await db
    .select({
      auditId: reviewScores.auditId,
      sessionId: reviewScores.sessionId,
      criterionId: reviewScores.criterionId,
      kind: rubricCriteria.kind,
      reviewerId: reviewScores.reviewerId,
      value: reviewScores.value,
    })
    .from(reviewScores)
    .innerJoin(rubricCriteria, eq(rubricCriteria.id, reviewScores.criterionId))
    .where(since ? sql`${reviewScores.updatedAt} >= ${since}` : undefined);
  // A conversation-level target is per conversation: key it by the session, not by a shared null.
  return agreementOf(rows.map((row) => ({ ...row, auditId: row.auditId ?? `conversation:${row.sessionId}` })));
}
