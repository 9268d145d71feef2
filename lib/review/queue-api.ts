import 'server-only';
import { z } from 'zod';
import { ADMIN_BODY_MAX_BYTES, endpoint } from '@/lib/http/endpoint';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { AccessAction } from '@/lib/db/schema';
import type { Database } from '@/lib/db/client';
import { SESSION_REF_PATTERN } from '@/lib/session-ref';
import {
  addManually,
  itemView,
  listQueue,
  markDone,
  type QueueItem,
  queueCounts,
  queueQuerySchema,
  releaseItem,
  takeItem,
} from '@/lib/review/queue';
import { readRules, rulesSchema, updateRules } from '@/lib/review/rules';

/**
 * The review queue's API: agents list, add, take, release and finish items; admins set the rules.
 * Each change is in the access log (lib/review/queue.ts and rules.ts write the entries).
 */

const itemIdSchema = z.uuid('must be a review item id');

/** GET /api/admin/review/items?tab=&reason=&after=: one page of a tab, oldest first, with every tab's count. */
export const listItemsEndpoint = endpoint(
  { auth: { kind: 'agent', role: 'agent', mutation: false }, query: { schema: queueQuerySchema } },
  async ({ query, db, agent }) => {
    const [page, counts] = await Promise.all([listQueue(db, agent.id, query), queueCounts(db, agent.id, query.reason)]);
    return Response.json({ items: page.items.map(itemView), next: page.next, counts });
  },
);

const addSchema = z.strictObject({
  ref: z.string().regex(SESSION_REF_PATTERN, 'must be a conversation reference such as c_abcdefghijklmnop'),
});

/** POST /api/admin/review/items {ref}: adds a conversation by hand (201 when it was not in the queue). */
export const addItemEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'agent', mutation: true, action: 'review_enqueue' },
    body: { schema: addSchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ body, db, agent }) => {
    const { item, created } = await addManually(db, agent, body.ref);
    return Response.json({ item: itemView(item) }, { status: created ? 201 : 200 });
  },
);

type Change = (db: Database, agent: AgentIdentity, id: string) => Promise<QueueItem>;

function changeEndpoint(change: Change, action: AccessAction) {
  return endpoint({ auth: { kind: 'agent', role: 'agent', mutation: true, action }, param: itemIdSchema }, async ({ param, db, agent }) =>
    Response.json({ item: itemView(await change(db, agent, param)) }),
  );
}

/** POST /api/admin/review/items/{id}/take: 409 `review_taken` (with `owner`) when someone else has it. */
export const takeItemEndpoint = changeEndpoint(takeItem, 'review_take');
/** POST /api/admin/review/items/{id}/release: back to "to review" (its reviewer, or an admin). */
export const releaseItemEndpoint = changeEndpoint(releaseItem, 'review_release');
/** POST /api/admin/review/items/{id}/done: reviewed (its reviewer, or an admin; an untaken item is taken and done). */
export const doneItemEndpoint = changeEndpoint(markDone, 'review_done');

/** GET /api/admin/review/settings: the queue's rules (admins). */
export const readRulesEndpoint = endpoint({ auth: { kind: 'agent', role: 'admin', mutation: false } }, async ({ db }) =>
  Response.json({ rules: await readRules(db) }),
);

/** PUT /api/admin/review/settings {thumbsDown, modelError, memoryFallback, handoff, flag, samplePercent}: admins only. */
export const updateRulesEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'admin', mutation: true, action: 'review_rules_change' },
    body: { schema: rulesSchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ body, db, agent }) => Response.json({ rules: await updateRules(db, agent, body) }),
);
