import type { RubricKind } from '@/lib/db/schema';

/**
 * Reviewer agreement, as plain arithmetic over scores. Only scores of the same target (one reply, or
 * the conversation) and the same criterion VERSION are compared: a 2 on a 1–3 scale and a 2 on a 1–5
 * scale do not mean the same, so a rubric change starts a new comparison instead of mixing them.
 * With more than two reviewers every pair counts once.
 */

export interface ScoreForAgreement {
  /** The reply's audit id, or null for the conversation. */
  auditId: string | null;
  criterionId: string;
  kind: RubricKind;
  reviewerId: string;
  value: number;
}

export interface Agreement {
  /** Targets × criterion versions that two or more reviewers scored. */
  compared: number;
  /** Reviewer pairs over those. */
  pairs: number;
  /** Share of pairs that gave the same value, 0–100 (null with no pairs). */
  exactPercent: number | null;
  /** Mean |a − b| over the pairs on scales (yes/no pairs are only exact or not); null with none. */
  meanAbsDiff: number | null;
  scalePairs: number;
}

export const NO_AGREEMENT: Agreement = { compared: 0, pairs: 0, exactPercent: null, meanAbsDiff: null, scalePairs: 0 };

export function groupKey(score: Pick<ScoreForAgreement, 'auditId' | 'criterionId'>): string {
  return `${score.auditId ?? 'conversation'}:${score.criterionId}`;
}

/** Agreement over any set of scores (one item's, or every item's for the overall figure). */
export function agreementOf(scores: readonly ScoreForAgreement[]): Agreement {
  const groups = new Map<string, ScoreForAgreement[]>();
  for (const score of scores) {
    const key = groupKey(score);
    const group = groups.get(key) ?? [];
    // One value per reviewer and target (the table's unique index); guard anyway.
    if (!group.some((other) => other.reviewerId === score.reviewerId)) group.push(score);
    groups.set(key, group);
  }
  let compared = 0;
  let pairs = 0;
  let exact = 0;
  let scalePairs = 0;
  let absDiff = 0;
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    compared += 1;
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const a = group[i] as ScoreForAgreement;
        const b = group[j] as ScoreForAgreement;
        pairs += 1;
        if (a.value === b.value) exact += 1;
        if (a.kind === 'scale') {
          scalePairs += 1;
          absDiff += Math.abs(a.value - b.value);
        }
      }
    }
  }
  return {
    compared,
    pairs,
    exactPercent: pairs > 0 ? round((exact / pairs) * 100, 1) : null,
    meanAbsDiff: scalePairs > 0 ? round(absDiff / scalePairs, 2) : null,
    scalePairs,
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
