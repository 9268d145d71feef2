import type { Database } from '@/lib/db/client';
import type { Agreement } from '@/lib/review/agreement';
import { readCorrections } from '@/lib/review/corrections';
import type { DiffPart } from '@/lib/review/diff';
import { appliesTo, type CriterionView, listCurrentCriteria } from '@/lib/review/rubric';
import { type CriterionScores, readScores } from '@/lib/review/scores';

/**
 * What the conversation page shows of a review, as plain data for client components: the current
 * criteria a reviewer can score, every score given (each with its own criterion version), agreement,
 * and the corrections with their diffs.
 */

export interface CriterionData {
  id: string;
  key: string;
  version: number;
  label: string;
  description: string;
  kind: CriterionView['kind'];
  scaleMin: number;
  scaleMax: number;
  current: boolean;
}

export interface ScoredCriterion {
  criterion: CriterionData;
  scores: Array<{ reviewerId: string; reviewerName: string; value: number }>;
  agreement: Agreement;
}

export interface TargetReview {
  /** Criteria a reviewer scores on this target now. */
  criteria: CriterionData[];
  /** Scores given on this target, current and retired versions alike. */
  scored: ScoredCriterion[];
}

export interface CorrectionData {
  text: string;
  diff: DiffPart[];
  authorName: string;
  updatedAt: string;
}

export interface ConversationReview {
  conversation: TargetReview;
  replies: Record<string, TargetReview & { correction: CorrectionData | null }>;
  agreement: Agreement;
}

export function criterionData(criterion: CriterionView): CriterionData {
  const { id, key, version, label, description, kind, scaleMin, scaleMax } = criterion;
  return { id, key, version, label, description, kind, scaleMin, scaleMax, current: criterion.retiredAt === null };
}

function scored(group: CriterionScores): ScoredCriterion {
  return {
    criterion: criterionData(group.criterion),
    scores: group.scores.map(({ reviewerId, reviewerName, value }) => ({ reviewerId, reviewerName, value })),
    agreement: group.agreement,
  };
}

/** The review of a conversation whose replies are `replyAuditIds` (turns with assistant text). */
export async function readConversationReview(db: Database, sessionId: string, replyAuditIds: readonly string[]): Promise<ConversationReview> {
  const [criteria, scores, corrections] = await Promise.all([listCurrentCriteria(db), readScores(db, sessionId), readCorrections(db, sessionId)]);
  const turnCriteria = criteria.filter((c) => appliesTo(c, 'turn')).map(criterionData);
  const conversationCriteria = criteria.filter((c) => appliesTo(c, 'conversation')).map(criterionData);
  const byTarget = new Map(scores.targets.map((target) => [target.auditId ?? 'conversation', target.criteria.map(scored)]));
  const replies: ConversationReview['replies'] = {};
  for (const auditId of replyAuditIds) {
    const correction = corrections.get(auditId);
    replies[auditId] = {
      criteria: turnCriteria,
      scored: byTarget.get(auditId) ?? [],
      correction: correction
        ? { text: correction.text, diff: correction.diff, authorName: correction.authorName, updatedAt: correction.updatedAt.toISOString() }
        : null,
    };
  }
  return {
    conversation: { criteria: conversationCriteria, scored: byTarget.get('conversation') ?? [] },
    replies,
    agreement: scores.agreement,
  };
}
