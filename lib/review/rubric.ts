import { and, asc, eq, isNull, max } from 'drizzle-orm';
import { z } from 'zod';
import { logAccess } from '@/lib/auth/access-log';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import { RUBRIC_KINDS, RUBRIC_SCOPES, type RubricKind, type RubricScope, rubricCriteria } from '@/lib/db/schema';
import { fromDbText, toDbText } from '@/lib/db/text';
import { ApiError } from '@/lib/errors';

/**
 * The rubric: what reviewers score. A criterion is never edited in place: a change writes version + 1
 * and retires the old row, so every score keeps pointing at the label, scale and description it was
 * given under, and a changed scale never reinterprets an old value.
 */

/** The widest scale a criterion may have (values 0..10). */
export const SCALE_LIMIT = 10;

export interface CriterionView {
  id: string;
  key: string;
  version: number;
  label: string;
  description: string;
  kind: RubricKind;
  scaleMin: number;
  scaleMax: number;
  appliesTo: RubricScope;
  position: number;
  createdAt: Date;
  retiredAt: Date | null;
}

type CriterionRow = typeof rubricCriteria.$inferSelect;

export function criterionView(row: CriterionRow): CriterionView {
  return {
    id: row.id,
    key: row.key,
    version: row.version,
    label: fromDbText(row.label),
    description: fromDbText(row.description),
    kind: row.kind,
    scaleMin: row.scaleMin,
    scaleMax: row.scaleMax,
    appliesTo: row.appliesTo,
    position: row.position,
    createdAt: row.createdAt,
    retiredAt: row.retiredAt,
  };
}

/** Whether a criterion is scored on a reply (`turn`) or on the whole conversation. */
export function appliesTo(criterion: Pick<CriterionView, 'appliesTo'>, target: 'turn' | 'conversation'): boolean {
  return criterion.appliesTo === 'both' || criterion.appliesTo === target;
}

export const criterionKeySchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'use lower-case letters, digits and _ (up to 40), starting with a letter');

const fields = {
  label: z.string().trim().min(1, 'give it a label').max(80),
  description: z.string().trim().max(500),
  kind: z.enum(RUBRIC_KINDS),
  scaleMin: z.number().int().min(0).max(SCALE_LIMIT),
  scaleMax: z.number().int().min(0).max(SCALE_LIMIT),
  appliesTo: z.enum(RUBRIC_SCOPES),
  position: z.number().int().min(0).max(1000),
};

export const newCriterionSchema = z.strictObject({
  key: criterionKeySchema,
  label: fields.label,
  description: fields.description.default(''),
  kind: fields.kind,
  scaleMin: fields.scaleMin.optional(),
  scaleMax: fields.scaleMax.optional(),
  appliesTo: fields.appliesTo,
  position: fields.position.optional(),
});

export const criterionChangeSchema = z
  .strictObject({
    label: fields.label.optional(),
    description: fields.description.optional(),
    kind: fields.kind.optional(),
    scaleMin: fields.scaleMin.optional(),
    scaleMax: fields.scaleMax.optional(),
    appliesTo: fields.appliesTo.optional(),
    position: fields.position.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');

export type NewCriterion = z.infer<typeof newCriterionSchema>;
export type CriterionChange = z.infer<typeof criterionChangeSchema>;

interface CriterionFields {
  label: string;
  description: string;
  kind: RubricKind;
  scaleMin?: number;
  scaleMax?: number;
  appliesTo: RubricScope;
  position: number;
}

/** The stored bounds: yes/no is always 0 = no, 1 = yes; a scale needs min < max within 0..10. */
export function boundsFor(input: Pick<CriterionFields, 'kind' | 'scaleMin' | 'scaleMax'>): { scaleMin: number; scaleMax: number } {
  if (input.kind === 'yes_no') return { scaleMin: 0, scaleMax: 1 };
  const scaleMin = input.scaleMin ?? 1;
  const scaleMax = input.scaleMax ?? 5;
  if (scaleMin >= scaleMax) throw new ApiError(400, 'invalid_request', 'The scale\'s lowest value must be below its highest.');
  return { scaleMin, scaleMax };
}

/** The current criteria (one version each), in the order reviewers see them. */
export async function listCurrentCriteria(db: Database): Promise<CriterionView[]> {
  const rows = await db
    .select()
    .from(rubricCriteria)
    .where(isNull(rubricCriteria.retiredAt))
    .orderBy(asc(rubricCriteria.position), asc(rubricCriteria.key));
  return rows.map(criterionView);
}

/** Every version of every criterion, newest version first per key: the rubric page's history. */
export async function listCriterionVersions(db: Database): Promise<CriterionView[]> {
  const rows = await db.select().from(rubricCriteria).orderBy(asc(rubricCriteria.key), asc(rubricCriteria.version));
  return rows.map(criterionView).reverse();
}

export async function criterionById(db: Pick<Database, 'select'>, id: string): Promise<CriterionView | null> {
  const [row] = await db.select().from(rubricCriteria).where(eq(rubricCriteria.id, id));
  return row ? criterionView(row) : null;
}

function rowValues(key: string, version: number, input: CriterionFields, agent: AgentIdentity) {
  return {
    key,
    version,
    label: toDbText(input.label),
    description: toDbText(input.description),
    kind: input.kind,
    ...boundsFor(input),
    appliesTo: input.appliesTo,
    position: input.position,
    createdBy: agent.id,
  };
}

function logged(criterion: CriterionView, change: 'create' | 'change' | 'remove', previousVersion?: number) {
  return {
    detail: {
      change,
      key: criterion.key,
      version: criterion.version,
      ...(previousVersion !== undefined ? { previousVersion } : {}),
      label: criterion.label,
      kind: criterion.kind,
      scaleMin: criterion.scaleMin,
      scaleMax: criterion.scaleMax,
      appliesTo: criterion.appliesTo,
    },
  };
}

/**
 * A new criterion (admin). A key that was removed before may come back: it continues its version
 * numbers, so its old scores stay with their own versions.
 */
export async function createCriterion(db: Database, agent: AgentIdentity, input: NewCriterion): Promise<CriterionView> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select({ id: rubricCriteria.id })
      .from(rubricCriteria)
      .where(and(eq(rubricCriteria.key, input.key), isNull(rubricCriteria.retiredAt)));
    if (current) throw new ApiError(409, 'invalid_state', `A criterion named “${input.key}” exists already: change it instead.`);
    const [last] = await tx.select({ version: max(rubricCriteria.version) }).from(rubricCriteria).where(eq(rubricCriteria.key, input.key));
    const [top] = await tx.select({ position: max(rubricCriteria.position) }).from(rubricCriteria).where(isNull(rubricCriteria.retiredAt));
    const position = input.position ?? (top?.position ?? 0) + 1;
    const [row] = await tx
      .insert(rubricCriteria)
      .values(rowValues(input.key, (last?.version ?? 0) + 1, { ...input, position: input.position ?? position }, agent))
      .returning();
    if (!row) throw new Error('insert returned no row');
    const created = criterionView(row);
    await logAccess(tx, agent, 'rubric_change', logged(created, 'create'));
    return created;
  });
}

/** A change (admin): the current version is retired and version + 1 holds the criterion as changed. */
export async function changeCriterion(db: Database, agent: AgentIdentity, key: string, changes: CriterionChange): Promise<CriterionView> {
  return db.transaction(async (tx) => {
    // Locked, so two admins changing it at once make two versions in turn, never two current ones.
    const [row] = await tx
      .select()
      .from(rubricCriteria)
      .where(and(eq(rubricCriteria.key, key), isNull(rubricCriteria.retiredAt)))
      .for('update');
    if (!row) throw new ApiError(404, 'not_found', 'No such criterion.');
    const current = criterionView(row);
    const kind = changes.kind ?? current.kind;
    const merged: CriterionFields = {
      label: changes.label ?? current.label,
      description: changes.description ?? current.description,
      kind,
      // A scale turned into yes/no (or back) starts from the new kind's own bounds unless given.
      scaleMin: changes.scaleMin ?? (kind === current.kind ? current.scaleMin : undefined),
      scaleMax: changes.scaleMax ?? (kind === current.kind ? current.scaleMax : undefined),
      appliesTo: changes.appliesTo ?? current.appliesTo,
      position: changes.position ?? current.position,
    };
    await tx.update(rubricCriteria).set({ retiredAt: new Date() }).where(eq(rubricCriteria.id, row.id));
    const [next] = await tx.insert(rubricCriteria).values(rowValues(key, row.version + 1, merged, agent)).returning();
    if (!next) throw new Error('insert returned no row');
    const changed = criterionView(next);
    await logAccess(tx, agent, 'rubric_change', logged(changed, 'change', row.version));
    return changed;
  });
}

/** Removing (admin) retires the current version: reviewers no longer see it; its scores keep their meaning. */
export async function removeCriterion(db: Database, agent: AgentIdentity, key: string): Promise<CriterionView> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(rubricCriteria)
      .set({ retiredAt: new Date() })
      .where(and(eq(rubricCriteria.key, key), isNull(rubricCriteria.retiredAt)))
      .returning();
    if (!row) throw new ApiError(404, 'not_found', 'No such criterion.');
    const removed = criterionView(row);
    await logAccess(tx, agent, 'rubric_change', logged(removed, 'remove'));
    return removed;
  });
}
