import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { logAccess } from '@/lib/auth/access-log';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import { reviewSettings } from '@/lib/db/schema';

/**
 * The queue's rules (one row, read by the Postgres triggers that enqueue conversations, so a saved
 * change applies on every write path at once). Admins change them; each change is in the access log.
 */

export interface ReviewRules {
  thumbsDown: boolean;
  modelError: boolean;
  memoryFallback: boolean;
  handoff: boolean;
  flag: boolean;
  /** Percentage of new conversations sampled into the queue, 0–100 with at most two decimals. */
  samplePercent: number;
}

export const RULE_KEYS = ['thumbsDown', 'modelError', 'memoryFallback', 'handoff', 'flag'] as const;

export const rulesSchema = z.strictObject({
  thumbsDown: z.boolean(),
  modelError: z.boolean(),
  memoryFallback: z.boolean(),
  handoff: z.boolean(),
  flag: z.boolean(),
  samplePercent: z
    .number()
    .min(0, 'must be between 0 and 100')
    .max(100, 'must be between 0 and 100')
    .refine((value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-9, 'at most two decimals'),
});

/** The migration's defaults, if the row is ever missing. */
export const DEFAULT_RULES: ReviewRules = {
  thumbsDown: true,
  modelError: true,
  memoryFallback: true,
  handoff: true,
  flag: true,
  samplePercent: 0,
};

export async function readRules(db: Database): Promise<ReviewRules> {
  const [row] = await db.select().from(reviewSettings).where(eq(reviewSettings.id, 1));
  if (!row) return DEFAULT_RULES;
  const { thumbsDown, modelError, memoryFallback, handoff, flag, samplePercent } = row;
  return { thumbsDown, modelError, memoryFallback, handoff, flag, samplePercent };
}

/** What changed between two rule sets, as the access log records it: `{ key: [before, after] }`. */
export function rulesDiff(before: ReviewRules, after: ReviewRules): Record<string, [boolean | number, boolean | number]> {
  const diff: Record<string, [boolean | number, boolean | number]> = {};
  for (const key of [...RULE_KEYS, 'samplePercent'] as const) {
    if (before[key] !== after[key]) diff[key] = [before[key], after[key]];
  }
  return diff;
}

/** Saves the rules (the row and its log entry commit together); an unchanged save writes nothing. */
export async function updateRules(db: Database, agent: AgentIdentity, rules: ReviewRules): Promise<ReviewRules> {
  return db.transaction(async (tx) => {
    const before = await readRules(tx);
    const changes = rulesDiff(before, rules);
    if (Object.keys(changes).length === 0) return before;
    await tx
      .insert(reviewSettings)
      .values({ id: 1, ...rules, updatedAt: new Date(), updatedBy: agent.id })
      .onConflictDoUpdate({ target: reviewSettings.id, set: { ...rules, updatedAt: new Date(), updatedBy: agent.id } });
    await logAccess(tx, agent, 'review_rules_change', { detail: { changes } });
    return rules;
  });
}
