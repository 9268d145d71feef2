import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { reviewScores, rubricCriteria, sessions } from '@/lib/db/schema';
import { fromDbText } from '@/lib/db/text';

/**
 * Scores in the sessions list: a filter ("helpful ≤ 2") and a column per criterion. Both read the
 * CURRENT version of a criterion only: a value given under an older version meant something on its
 * own scale (a 2 of 1–5 is not a 2 of 1–3), so it is not averaged with or filtered as today's.
 * A conversation's figure for a criterion is the mean of every reviewer's value on it and its replies.
 */

export interface ScoreFilter {
  /** The criterion's key. */
  key: string;
  /** Inclusive bounds on the mean (either may be missing: "has a score"). */
  min?: number;
  max?: number;
}

/** A WHERE condition on sessions: the conversation's mean for the criterion lies within the bounds. */
export function scoreFilterCondition(filter: ScoreFilter): SQL {
  const having = [
    filter.min !== undefined ? sql`avg(${reviewScores.value}) >= ${filter.min}` : null,
    filter.max !== undefined ? sql`avg(${reviewScores.value}) <= ${filter.max}` : null,
  ].filter((part): part is SQL => part !== null);
  return sql`${sessions.id} in (select ${reviewScores.sessionId} from ${reviewScores}
      join ${rubricCriteria} on ${rubricCriteria.id} = ${reviewScores.criterionId}
      where ${rubricCriteria.key} = ${filter.key} and ${rubricCriteria.retiredAt} is null
      group by ${reviewScores.sessionId}
      ${having.length > 0 ? sql`having ${sql.join(having, sql` and `)}` : sql``})`;
}

export interface ScoreMean {
  key: string;
  label: string;
  kind: 'scale' | 'yes_no';
  scaleMax: number;
  mean: number;
  count: number;
}

/** Each listed conversation's mean per current criterion (absent: nobody scored it). */
export async function scoreMeans(db: Database, sessionIds: readonly string[]): Promise<Map<string, ScoreMean[]>> {
  const means = new Map<string, ScoreMean[]>();
  if (sessionIds.length === 0) return means;
  const rows = await db
    .select({
      sessionId: reviewScores.sessionId,
      key: rubricCriteria.key,
      label: rubricCriteria.label,
      kind: rubricCriteria.kind,
      scaleMax: rubricCriteria.scaleMax,
      mean: sql<string>`avg(${reviewScores.value})`,
      count: sql<number>`count(*)::int`,
    })
    .from(reviewScores)
    .innerJoin(rubricCriteria, eq(rubricCriteria.id, reviewScores.criterionId))
    .where(and(inArray(reviewScores.sessionId, [...sessionIds]), isNull(rubricCriteria.retiredAt)))
    .groupBy(reviewScores.sessionId, rubricCriteria.key, rubricCriteria.label, rubricCriteria.kind, rubricCriteria.scaleMax, rubricCriteria.position)
    .orderBy(rubricCriteria.position, rubricCriteria.key);
  for (const row of rows) {
    const list = means.get(row.sessionId) ?? [];
    list.push({ key: row.key, label: fromDbText(row.label), kind: row.kind, scaleMax: row.scaleMax, mean: Math.round(Number(row.mean) * 100) / 100, count: Number(row.count) });
    means.set(row.sessionId, list);
  }
  return means;
}
