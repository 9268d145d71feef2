import { and, asc, count, desc, eq, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { logAccess } from '@/lib/auth/access-log';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import { REVIEW_REASONS, type ReviewReason, type ReviewState, reviewItems, sessions } from '@/lib/db/schema';
import { ApiError, isApiError } from '@/lib/errors';
import { SESSION_REF_PATTERN } from '@/lib/session-ref';

/**
 * The review queue: conversations waiting for a reviewer (rules put them there, in Postgres
 * triggers: drizzle/0010_review.sql), who has which, and what is done. Every change of state or
 * assignee is a compare-and-set on the item's `version`, so of two reviewers at once exactly one
 * wins and the other is told who has it. A conversation is named by its reference, never its id.
 */

export const QUEUE_TABS = ['to_review', 'in_review', 'done', 'mine'] as const;
export type QueueTab = (typeof QUEUE_TABS)[number];

export const queueTabSchema = z.enum(QUEUE_TABS);
export const reviewReasonSchema = z.enum(REVIEW_REASONS);

export interface QueueItem {
  id: string;
  /** The conversation's reference (what staff see and link to). */
  ref: string;
  reasons: ReviewReason[];
  state: ReviewState;
  assigneeId: string | null;
  assigneeName: string | null;
  enteredAt: Date;
  assignedAt: Date | null;
  doneAt: Date | null;
  version: number;
}

export interface QueueCounts {
  to_review: number;
  in_review: number;
  done: number;
  mine: number;
}

export interface QueuePage {
  items: QueueItem[];
  /** Pass as `after` for the next page; null on the last one. */
  next: string | null;
}

/** How a reviewer is named to other reviewers: their name, else their e-mail's name part (never the address). */
export function reviewerName(agent: Pick<AgentIdentity, 'name' | 'email'>): string {
  return agent.name?.trim() || agent.email.split('@')[0] || 'Another reviewer';
}

const itemColumns = {
  id: reviewItems.id,
  // The database keys sessions by reference (lib/session-ref.ts); `ref` is only filled for newer rows.
  ref: sql<string>`coalesce(${sessions.ref}, ${reviewItems.sessionId})`,
  reasons: reviewItems.reasons,
  state: reviewItems.state,
  assigneeId: reviewItems.assigneeId,
  assigneeName: reviewItems.assigneeName,
  enteredAt: reviewItems.enteredAt,
  assignedAt: reviewItems.assignedAt,
  doneAt: reviewItems.doneAt,
  version: reviewItems.version,
};

function tabWhere(tab: QueueTab, agentId: string): SQL {
  if (tab === 'mine') return and(eq(reviewItems.state, 'in_review'), eq(reviewItems.assigneeId, agentId)) as SQL;
  return eq(reviewItems.state, tab);
}

/**
 * The queue's order, oldest first: (entered_at, id), with entered_at at the millisecond a JavaScript
 * Date holds, so a cursor or an item read back compares equal to the row it came from.
 */
const enteredKey = sql`date_trunc('milliseconds', ${reviewItems.enteredAt})`;

/** Items strictly before or after `item` in the queue's order. */
function placed(side: 'before' | 'after', item: { enteredAt: Date; id: string }): SQL {
  const at = item.enteredAt.toISOString();
  return side === 'after'
    ? sql`(${enteredKey} > ${at}::timestamptz or (${enteredKey} = ${at}::timestamptz and ${reviewItems.id} > ${item.id}))`
    : sql`(${enteredKey} < ${at}::timestamptz or (${enteredKey} = ${at}::timestamptz and ${reviewItems.id} < ${item.id}))`;
}

/** Keyset cursor over the queue's order. */
export function encodeCursor(item: Pick<QueueItem, 'enteredAt' | 'id'>): string {
  return Buffer.from(`${item.enteredAt.toISOString()}|${item.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { enteredAt: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const enteredAt = new Date(at ?? '');
  if (!id || !z.uuid().safeParse(id).success || Number.isNaN(enteredAt.getTime())) return null;
  return { enteredAt, id };
}

export const QUEUE_PAGE_SIZE = 50;

export const queueQuerySchema = z.strictObject({
  tab: queueTabSchema.default('to_review'),
  reason: reviewReasonSchema.optional(),
  after: z
    .string()
    .max(200)
    .refine((value) => decodeCursor(value) !== null, 'must be a cursor from an earlier page')
    .optional(),
});
export type QueueQuery = z.infer<typeof queueQuerySchema>;

/** One page of a tab, oldest first, optionally only items with `reason`. */
export async function listQueue(db: Database, agentId: string, query: QueueQuery, limit = QUEUE_PAGE_SIZE): Promise<QueuePage> {
  const where: SQL[] = [tabWhere(query.tab, agentId)];
  if (query.reason) where.push(sql`${query.reason} = any(${reviewItems.reasons})`);
  const after = query.after ? decodeCursor(query.after) : null;
  if (after) where.push(placed('after', after));
  const rows = await db
    .select(itemColumns)
    .from(reviewItems)
    .innerJoin(sessions, eq(sessions.id, reviewItems.sessionId))
    .where(and(...where))
    .orderBy(asc(enteredKey), asc(reviewItems.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? encodeCursor(last) : null };
}

/** How many items each tab holds (`reason` narrows them as the list does). */
export async function queueCounts(db: Database, agentId: string, reason?: ReviewReason): Promise<QueueCounts> {
  const rows = await db
    .select({
      state: reviewItems.state,
      total: count(),
      mine: sql<number>`count(*) filter (where ${reviewItems.assigneeId} = ${agentId})`.mapWith(Number),
    })
    .from(reviewItems)
    .where(reason ? sql`${reason} = any(${reviewItems.reasons})` : undefined)
    .groupBy(reviewItems.state);
  const counts: QueueCounts = { to_review: 0, in_review: 0, done: 0, mine: 0 };
  for (const row of rows) {
    counts[row.state] = Number(row.total);
    if (row.state === 'in_review') counts.mine = row.mine;
  }
  return counts;
}

/** The number beside "Review" in the console's navigation. */
export async function toReviewCount(db: Database): Promise<number> {
  const [row] = await db.select({ total: count() }).from(reviewItems).where(eq(reviewItems.state, 'to_review'));
  return Number(row?.total ?? 0);
}

export async function itemById(db: Database, id: string): Promise<QueueItem | null> {
  const [row] = await db.select(itemColumns).from(reviewItems).innerJoin(sessions, eq(sessions.id, reviewItems.sessionId)).where(eq(reviewItems.id, id));
  return row ?? null;
}

/** The conversation's item, by its reference; null when it is not (and never was) in the queue. */
export async function itemForRef(db: Database, ref: string): Promise<QueueItem | null> {
  if (!SESSION_REF_PATTERN.test(ref)) return null;
  const [row] = await db.select(itemColumns).from(reviewItems).innerJoin(sessions, eq(sessions.id, reviewItems.sessionId)).where(eq(sessions.ref, ref));
  return row ?? null;
}

/**
 * The reviewer's work list around one item, for next/previous: items to review and the ones they
 * hold, oldest first. Relative to the item's place, so it works after the item itself left the list
 * (marked done).
 */
export async function neighbours(db: Database, agentId: string, item: Pick<QueueItem, 'id' | 'enteredAt'>): Promise<{ previous: string | null; next: string | null }> {
  const open = or(eq(reviewItems.state, 'to_review'), and(eq(reviewItems.state, 'in_review'), eq(reviewItems.assigneeId, agentId))) as SQL;
  const before = placed('before', item);
  const later = placed('after', item);
  const pick = (where: SQL, order: 'asc' | 'desc') =>
    db
      .select({ ref: itemColumns.ref })
      .from(reviewItems)
      .innerJoin(sessions, eq(sessions.id, reviewItems.sessionId))
      .where(and(open, where))
      .orderBy(...(order === 'asc' ? [asc(enteredKey), asc(reviewItems.id)] : [desc(enteredKey), desc(reviewItems.id)]))
      .limit(1);
  const [[previous], [next]] = await Promise.all([pick(before, 'desc'), pick(later, 'asc')]);
  return { previous: previous?.ref ?? null, next: next?.ref ?? null };
}

function notFound(): ApiError {
  return new ApiError(404, 'not_found', 'No such review item.');
}

function taken(holder: string | null): ApiError {
  const name = holder ?? 'Another reviewer';
  return new ApiError(409, 'review_taken', `${name} is already reviewing this conversation.`, {}, { name });
}

/** What a change may do to an item as it is now: the new columns, or the refusal. */
type Transition = (item: QueueItem) => Partial<typeof reviewItems.$inferInsert> | ApiError | 'unchanged';

/**
 * Applies `transition` as a compare-and-set on the item's version. A lost race against a rule (a
 * trigger added a reason and raised the version) is retried on the fresh row; a lost race against
 * another reviewer then meets that reviewer's change and is refused by `transition` itself.
 */
async function compareAndSet(db: Database, id: string, transition: Transition): Promise<{ item: QueueItem; changed: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const item = await itemById(db, id);
    if (!item) throw notFound();
    const change = transition(item);
    if (change === 'unchanged') return { item, changed: false };
    if (isApiError(change)) throw change;
    const [row] = await db
      .update(reviewItems)
      .set({ ...change, version: item.version + 1 })
      .where(and(eq(reviewItems.id, id), eq(reviewItems.version, item.version)))
      .returning({ id: reviewItems.id });
    if (row) {
      const fresh = await itemById(db, id);
      if (!fresh) throw notFound();
      return { item: fresh, changed: true };
    }
  }
  throw new ApiError(409, 'review_taken', 'This item keeps changing; reload and try again.');
}

/** Take: the item is mine to review. Of two reviewers at once one wins; the other hears who has it. */
export async function takeItem(db: Database, agent: AgentIdentity, id: string): Promise<QueueItem> {
  const { item, changed } = await compareAndSet(db, id, (item) => {
    if (item.state === 'in_review') return item.assigneeId === agent.id ? 'unchanged' : taken(item.assigneeName);
    if (item.state === 'done') return new ApiError(409, 'invalid_state', 'This conversation is already reviewed. It opens again when a rule applies to it.');
    return { state: 'in_review', assigneeId: agent.id, assigneeName: reviewerName(agent), assignedAt: new Date() };
  });
  if (changed) await logAccess(db, agent, 'review_take', { sessionId: item.ref, detail: { item: item.id } });
  return item;
}

/** Release: back to "to review" for anyone. Only the reviewer who has it, or an admin. */
export async function releaseItem(db: Database, agent: AgentIdentity, id: string): Promise<QueueItem> {
  const { item, changed } = await compareAndSet(db, id, (item) => {
    if (item.state === 'to_review') return 'unchanged';
    if (item.state === 'done') return new ApiError(409, 'invalid_state', 'This conversation is already reviewed.');
    if (item.assigneeId !== agent.id && agent.role !== 'admin') {
      return new ApiError(403, 'forbidden', `${item.assigneeName ?? 'Another reviewer'} has this item: only they or an admin can release it.`);
    }
    return { state: 'to_review', assigneeId: null, assigneeName: null, assignedAt: null };
  });
  if (changed) await logAccess(db, agent, 'review_release', { sessionId: item.ref, detail: { item: item.id } });
  return item;
}

/**
 * Done: the reviewer who has it, or an admin. An item nobody holds is taken and done in one step
 * by whoever marks it (they reviewed it); one another reviewer holds is refused with their name.
 */
export async function markDone(db: Database, agent: AgentIdentity, id: string): Promise<QueueItem> {
  const { item, changed } = await compareAndSet(db, id, (item) => {
    if (item.state === 'done') return 'unchanged';
    const now = new Date();
    if (item.state === 'to_review') {
      return { state: 'done', assigneeId: agent.id, assigneeName: reviewerName(agent), assignedAt: now, doneAt: now };
    }
    if (item.assigneeId !== agent.id && agent.role !== 'admin') return taken(item.assigneeName);
    return { state: 'done', doneAt: now };
  });
  if (changed) await logAccess(db, agent, 'review_done', { sessionId: item.ref, detail: { item: item.id } });
  return item;
}

/**
 * Add by hand: the conversation enters the queue with the `manual` reason (an item done opens
 * again, as a rule would open it). `created` says whether it was not in the queue before.
 */
export async function addManually(db: Database, agent: AgentIdentity, ref: string): Promise<{ item: QueueItem; created: boolean }> {
  if (!SESSION_REF_PATTERN.test(ref)) throw new ApiError(404, 'not_found', 'No such session.');
  const [session] = await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.ref, ref));
  if (!session) throw new ApiError(404, 'not_found', 'No such session.');
  const before = await itemForRef(db, ref);
  await db.transaction(async (tx) => {
    // The same upsert the rules use, so a manual add and a rule firing at once merge their reasons.
    await tx.execute(sql`select tether_review_enqueue(${session.id}, 'manual')`);
    await tx
      .update(reviewItems)
      .set({ addedBy: agent.id })
      .where(and(eq(reviewItems.sessionId, session.id), sql`${reviewItems.addedBy} is null`));
    if (!before || !before.reasons.includes('manual') || before.state === 'done') {
      await logAccess(tx, agent, 'review_enqueue', { sessionId: ref, detail: { reason: 'manual', reopened: before?.state === 'done' } });
    }
  });
  const item = await itemForRef(db, ref);
  if (!item) throw new Error('review item missing after enqueue');
  return { item, created: before === null };
}

/** The item as the API answers it (dates as ISO strings). */
export function itemView(item: QueueItem) {
  return {
    id: item.id,
    ref: item.ref,
    reasons: item.reasons,
    state: item.state,
    assigneeName: item.assigneeName,
    enteredAt: item.enteredAt.toISOString(),
    assignedAt: item.assignedAt?.toISOString() ?? null,
    doneAt: item.doneAt?.toISOString() ?? null,
    version: item.version,
  };
}
export type QueueItemView = ReturnType<typeof itemView>;

/** What the review bar on a conversation's page shows: its item (if queued) and where next/previous lead. */
export interface ReviewBarData {
  item: QueueItemView | null;
  /** Whether the signed-in agent holds the item. */
  mine: boolean;
  previous: string | null;
  next: string | null;
}

export async function reviewBarFor(db: Database, agentId: string, ref: string): Promise<ReviewBarData> {
  const item = await itemForRef(db, ref);
  if (!item) return { item: null, mine: false, previous: null, next: null };
  const around = await neighbours(db, agentId, item);
  return { item: itemView(item), mine: item.state !== 'to_review' && item.assigneeId === agentId, ...around };
}
