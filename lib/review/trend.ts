import { and, eq, gte, lt } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { type RubricKind, reviewScores, rubricCriteria } from '@/lib/db/schema';
import { fromDbText } from '@/lib/db/text';
import { type Agreement, agreementOf } from '@/lib/review/agreement';

/**
 * The overview's score trend: per ISO week (Monday, UTC), the mean of each criterion version's
 * scores and the week's reviewer agreement. A version's mean is on its own scale; the chart's line
 * per criterion is the share of the scale ((mean − min) / (max − min)), which is what stays
 * comparable when an admin changes a scale mid-period.
 */

export interface TrendScore {
  at: Date;
  sessionId: string;
  auditId: string | null;
  criterionId: string;
  key: string;
  label: string;
  version: number;
  kind: RubricKind;
  scaleMin: number;
  scaleMax: number;
  reviewerId: string;
  value: number;
}

export interface TrendCell {
  criterionId: string;
  key: string;
  label: string;
  version: number;
  kind: RubricKind;
  scaleMin: number;
  scaleMax: number;
  mean: number;
  count: number;
}

export interface TrendWeek {
  /** Monday 00:00 UTC. */
  start: Date;
  /** ISO week name, e.g. 2026-W49. */
  name: string;
  cells: TrendCell[];
  /** Per criterion key: mean share of the scale (0–1) over its versions' scores that week. */
  shares: Record<string, number>;
  agreement: Agreement;
}

export interface ScoreTrend {
  weeks: TrendWeek[];
  /** Criterion keys in the trend, with their latest label. */
  criteria: Array<{ key: string; label: string }>;
  agreement: Agreement;
  scores: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Monday 00:00 UTC of the date's ISO week. */
export function isoWeekStart(date: Date): Date {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - weekday * DAY_MS);
}

/** "2026-W49": the ISO year is the year of the week's Thursday. */
export function isoWeekName(date: Date): string {
  const thursday = new Date(isoWeekStart(date).getTime() + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

const round = (value: number) => Math.round(value * 100) / 100;

/** Every ISO week that overlaps [start, end), with its figures (a week without scores has none). */
export function foldTrend(scores: readonly TrendScore[], start: Date, end: Date): ScoreTrend {
  const weeks: TrendWeek[] = [];
  for (let t = isoWeekStart(start).getTime(); t < end.getTime(); t += 7 * DAY_MS) {
    const weekStart = new Date(t);
    const inWeek = scores.filter((score) => isoWeekStart(score.at).getTime() === t);
    const cells = new Map<string, TrendCell & { sum: number }>();
    const shares = new Map<string, { sum: number; count: number }>();
    for (const score of inWeek) {
      const cell = cells.get(score.criterionId) ?? {
        criterionId: score.criterionId,
        key: score.key,
        label: score.label,
        version: score.version,
        kind: score.kind,
        scaleMin: score.scaleMin,
        scaleMax: score.scaleMax,
        mean: 0,
        count: 0,
        sum: 0,
      };
      cell.sum += score.value;
      cell.count += 1;
      cells.set(score.criterionId, cell);
      const share = shares.get(score.key) ?? { sum: 0, count: 0 };
      share.sum += (score.value - score.scaleMin) / (score.scaleMax - score.scaleMin);
      share.count += 1;
      shares.set(score.key, share);
    }
    weeks.push({
      start: weekStart,
      name: isoWeekName(weekStart),
      cells: [...cells.values()]
        .map(({ sum, ...cell }) => ({ ...cell, mean: round(sum / cell.count) }))
        .sort((a, b) => a.key.localeCompare(b.key) || a.version - b.version),
      shares: Object.fromEntries([...shares].map(([key, share]) => [key, round(share.sum / share.count)])),
      agreement: agreementOf(inWeek.map((score) => ({ ...score, auditId: score.auditId ?? `conversation:${score.sessionId}` }))),
    });
  }
  const latest = new Map<string, { label: string; version: number }>();
  for (const score of scores) {
    const known = latest.get(score.key);
    if (!known || score.version > known.version) latest.set(score.key, { label: score.label, version: score.version });
  }
  return {
    weeks,
    criteria: [...latest].map(([key, { label }]) => ({ key, label })).sort((a, b) => a.key.localeCompare(b.key)),
    agreement: agreementOf(scores.map((score) => ({ ...score, auditId: score.auditId ?? `conversation:${score.sessionId}` }))),
    scores: scores.length,
  };
}

/** Scores last given within [start, end), folded by ISO week. */
export async function loadScoreTrend(db: Database, start: Date, end: Date): Promise<ScoreTrend> {
  const rows = await db
    .select({
      at: reviewScores.updatedAt,
      sessionId: reviewScores.sessionId,
      auditId: reviewScores.auditId,
      criterionId: reviewScores.criterionId,
      key: rubricCriteria.key,
      label: rubricCriteria.label,
      version: rubricCriteria.version,
      kind: rubricCriteria.kind,
      scaleMin: rubricCriteria.scaleMin,
      scaleMax: rubricCriteria.scaleMax,
      reviewerId: reviewScores.reviewerId,
      value: reviewScores.value,
    })
    .from(reviewScores)
    .innerJoin(rubricCriteria, eq(rubricCriteria.id, reviewScores.criterionId))
    .where(and(gte(reviewScores.updatedAt, start), lt(reviewScores.updatedAt, end)));
  return foldTrend(
    rows.map((row) => ({ ...row, label: fromDbText(row.label) })),
    start,
    end,
  );
}
