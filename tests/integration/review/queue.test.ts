import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAgent, toIdentity } from '@/lib/auth/agents';
import { listAccessLog } from '@/lib/auth/access-log';
import type { AgentIdentity } from '@/lib/auth/identity';
import { recordFeedback } from '@/lib/chat/feedback';
import type { Database } from '@/lib/db/client';
import type { AgentRole } from '@/lib/db/schema';
import { addManually, itemForRef, listQueue, neighbours, queueCounts } from '@/lib/review/queue';
import { DEFAULT_RULES, readRules, updateRules } from '@/lib/review/rules';
import { sessionRef } from '@/lib/session-ref';
import type { TestStack } from '../../support/stack';
import { readEvents, STACK } from '../../support/stack';
import { v7 as uuidv7 } from 'uuid';
import { adminRequest, cookieFor, createAdminStack, database, insertSessions, TEST_PASSWORD } from '../admin/helpers';

/**
 * The review queue on the real stack: conversations enter it by rule whatever path wrote them (the
 * chat's own turns, a customer's rating, an agent's flag, a handoff), reviewers take, release and
 * finish items through the API, and of two reviewers taking one item at once exactly one wins.
 */

let stack: TestStack;
let db: Database;
let admin: AgentIdentity;
let ana: AgentIdentity;
let ben: AgentIdentity;

async function agentNamed(name: string, role: AgentRole): Promise<AgentIdentity> {
  const row = await createAgent(db, { email: `${name.toLowerCase()}-${randomBytes(3).toString('hex')}@example.com`, name, role, password: TEST_PASSWORD });
  if (!row) throw new Error('agent e-mail taken');
  return toIdentity(row);
}

async function reasonsOf(sessionId: string): Promise<string[] | null> {
  return (await itemForRef(db, sessionRef(sessionId)))?.reasons ?? null;
}

/** A conversation with one ordinary exchange, its turn in Postgres. */
async function conversation(): Promise<{ sessionId: string; auditId: string }> {
  const sessionId = await stack.newSession();
  const turn = await stack.send(sessionId, 'Where is my parcel?');
  expect(turn.status).toBe(200);
  return { sessionId, auditId: turn.meta?.auditId ?? '' };
}

let bareCounter = 0;
/** A bare stored conversation (no turns), for queue mechanics. */
async function bareConversation(): Promise<string> {
  bareCounter += 1;
  const id = `review-q-${randomBytes(4).toString('hex')}-${bareCounter}`;
  await insertSessions(stack, [{ id, lastActivityAt: new Date(Date.now() - 60_000 + bareCounter).toISOString() }]);
  return sessionRef(id);
}

async function call(path: string, agent: AgentIdentity, init: { method?: string; body?: unknown; params?: Record<string, string> } = {}) {
  const cookie = await cookieFor(stack, agent);
  const request = adminRequest(path, { method: init.method ?? 'POST', cookie, body: init.body });
  const context = { params: Promise.resolve(init.params ?? {}) };
  let response: Response;
  if (path.endsWith('/take')) response = await (await import('@/app/api/admin/review/items/[id]/take/route')).POST(request, context as never);
  else if (path.endsWith('/release')) response = await (await import('@/app/api/admin/review/items/[id]/release/route')).POST(request, context as never);
  else if (path.endsWith('/done')) response = await (await import('@/app/api/admin/review/items/[id]/done/route')).POST(request, context as never);
  else if (path.startsWith('/api/admin/review/settings')) {
    const route = await import('@/app/api/admin/review/settings/route');
    response = await (init.method === 'PUT' ? route.PUT : route.GET)(request);
  } else {
    const route = await import('@/app/api/admin/review/items/route');
    response = await (init.method === 'GET' ? route.GET : route.POST)(request);
  }
  return { status: response.status, body: (await response.json()) as unknown };
}

const take = (agent: AgentIdentity, id: string) => call(`/api/admin/review/items/${id}/take`, agent, { params: { id } });
const release = (agent: AgentIdentity, id: string) => call(`/api/admin/review/items/${id}/release`, agent, { params: { id } });
const done = (agent: AgentIdentity, id: string) => call(`/api/admin/review/items/${id}/done`, agent, { params: { id } });

beforeAll(async () => {
  stack = await createAdminStack();
  db = await database(stack);
  admin = await agentNamed('Ada', 'admin');
  ana = await agentNamed('Ana', 'agent');
  ben = await agentNamed('Ben', 'agent');
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(async () => {
  await updateRules(db, admin, DEFAULT_RULES);
  stack.model.reset();
});

describe(`rules put conversations in the queue (${STACK})`, () => {
  it('an ordinary conversation is not queued', async () => {
    const { sessionId } = await conversation();
    expect(await reasonsOf(sessionId)).toBeNull();
  });

  it('a thumbs-down queues the conversation, whether the rating reaches Postgres after its turn or before it', async () => {
    const after = await conversation();
    const deps = { memory: stack.runtime.memory, db: async () => db };
    await recordFeedback(deps, { sessionId: after.sessionId, auditId: after.auditId, rating: 'up' });
    expect(await reasonsOf(after.sessionId)).toBeNull();
    await recordFeedback(deps, { sessionId: after.sessionId, auditId: after.auditId, rating: 'down' });
    expect(await reasonsOf(after.sessionId)).toEqual(['thumbs_down']);

    // The rating arrives while the turn's audit row is still on its way (memory already holds the reply).
    const sessionId = await stack.newSession();
    const response = await stack.post({ sessionId, text: 'Rate me before my audit lands' });
    const events = await readEvents(response);
    const auditId = events.find((e) => e.event === 'meta')?.data.auditId ?? '';
    // On the services stack the turn reaches Postgres only through the drainer, which has not run yet.
    const landed = await stack.query('select 1 from turns where audit_id = $1', [auditId]);
    expect(landed).toHaveLength(STACK === 'services' ? 0 : 1);
    await recordFeedback(deps, { sessionId, auditId, rating: 'down' });
    if (STACK === 'services') expect(await reasonsOf(sessionId)).toBeNull();
    await stack.settle();
    expect(await reasonsOf(sessionId)).toEqual(['thumbs_down']);
  });

  it('a rating and its turn committing at the same moment still queue the conversation', async () => {
    // Each write waits inside its own transaction, so both triggers run before either commits.
    const inTransaction = async (text: string, params: unknown[]) => {
      const sql = stack.database?.sql;
      if (!sql) return void (await stack.query(text, params)); // PGlite: one connection, writes in turn.
      await sql.begin(async (tx) => {
        await tx.unsafe(text, params as never[]);
        await tx.unsafe('select pg_sleep(0.05)');
      });
    };
    for (let round = 0; round < 5; round++) {
      const ref = await bareConversation();
      const [session] = await stack.query<{ id: string }>('select id from sessions where ref = $1', [ref]);
      const auditId = uuidv7();
      await Promise.all([
        inTransaction(
          `insert into turns (audit_id, session_id, seq, user_text, assistant_text, status, memory_status, model, context_audit_ids, prompt_messages, prompt_hash, created_at)
           values ($1, $2, 1, 'Hello', 'Hi', 'ok', 'new', 'mock-model', '[]', '[]', 'x', now())`,
          [auditId, session?.id],
        ),
        inTransaction(`insert into turn_feedback (audit_id, session_id, rating) values ($1, $2, 'down')`, [auditId, ref]),
      ]);
      expect((await itemForRef(db, ref))?.reasons).toEqual(['thumbs_down']);
    }
  });

  it('a model error queues the conversation', async () => {
    const sessionId = await stack.newSession();
    stack.model.failNext('400');
    const turn = await stack.send(sessionId, 'This one fails');
    expect(turn.error).toBeDefined();
    expect(await reasonsOf(sessionId)).toEqual(['model_error']);
  });

  it('a memory fallback queues the conversation (a turn written with expired memory)', async () => {
    const { sessionId } = await conversation();
    await stack.query(
      `insert into turns (audit_id, session_id, seq, user_text, assistant_text, status, memory_status, model, context_audit_ids, prompt_messages, prompt_hash, created_at)
       values (gen_random_uuid(), $1, 2, 'Hello again', 'Hi', 'ok', 'expired', 'mock-model', '[]', '[]', 'x', now())`,
      [sessionRef(sessionId)],
    );
    expect(await reasonsOf(sessionId)).toEqual(['memory_fallback']);
  });

  it('a customer asking for a person (waiting) queues the conversation', async () => {
    const { sessionId } = await conversation();
    const outcome = await stack.runtime.memory.changeState({
      sessionId,
      action: { kind: 'request', reason: 'customer_asked' },
      actor: { kind: 'customer' },
      auditId: uuidv7(),
      now: new Date(),
    });
    expect(outcome.kind).toBe('changed');
    await stack.settle();
    expect(await reasonsOf(sessionId)).toEqual(['handoff']);
  });

  it('an agent flag queues the conversation; reasons accumulate on one item', async () => {
    const { sessionId, auditId } = await conversation();
    const { POST } = await import('@/app/api/admin/flags/route');
    const response = await POST(
      adminRequest('/api/admin/flags', { method: 'POST', cookie: await cookieFor(stack, ana), body: { session: sessionRef(sessionId), reason: 'wrong price' } }),
    );
    expect(response.status).toBe(201);
    expect(await reasonsOf(sessionId)).toEqual(['flag']);
    await recordFeedback({ memory: stack.runtime.memory, db: async () => db }, { sessionId, auditId, rating: 'down' });
    expect(await reasonsOf(sessionId)).toEqual(['flag', 'thumbs_down']);
  });

  it('samples new conversations at 100 % and none at 0 %', async () => {
    await updateRules(db, admin, { ...DEFAULT_RULES, samplePercent: 100 });
    const sampled = await conversation();
    expect(await reasonsOf(sampled.sessionId)).toEqual(['sample']);
    await updateRules(db, admin, { ...DEFAULT_RULES, samplePercent: 0 });
    for (let i = 0; i < 3; i++) expect(await reasonsOf((await conversation()).sessionId)).toBeNull();
  });

  it('switched-off rules queue nothing', async () => {
    await updateRules(db, admin, { thumbsDown: false, modelError: false, memoryFallback: false, handoff: false, flag: false, samplePercent: 0 });
    const { sessionId, auditId } = await conversation();
    await recordFeedback({ memory: stack.runtime.memory, db: async () => db }, { sessionId, auditId, rating: 'down' });
    stack.model.failNext('400');
    await stack.send(sessionId, 'This one fails');
    await stack.query(`insert into flags (session_id, reason, agent_id) values ($1, 'x', $2)`, [sessionRef(sessionId), admin.id]);
    await stack.runtime.memory.changeState({
      sessionId,
      action: { kind: 'request', reason: 'customer_asked' },
      actor: { kind: 'customer' },
      auditId: uuidv7(),
      now: new Date(),
    });
    await stack.settle();
    expect(await reasonsOf(sessionId)).toBeNull();
  });
});

describe('rules API (admins only)', () => {
  it('an admin reads and saves the rules; the change is logged with before and after; agents are refused', async () => {
    expect((await call('/api/admin/review/settings', admin, { method: 'GET' })).body).toEqual({ rules: DEFAULT_RULES });
    const saved = await call('/api/admin/review/settings', admin, { method: 'PUT', body: { ...DEFAULT_RULES, flag: false, samplePercent: 12.5 } });
    expect(saved.status).toBe(200);
    expect(await readRules(db)).toEqual({ ...DEFAULT_RULES, flag: false, samplePercent: 12.5 });
    const log = await listAccessLog(db, { action: 'review_rules_change', agentId: admin.id, limit: 1 });
    expect(log.entries[0]?.detail).toEqual({ changes: { flag: [true, false], samplePercent: [0, 12.5] } });

    expect((await call('/api/admin/review/settings', ana, { method: 'PUT', body: DEFAULT_RULES })).status).toBe(403);
    expect((await call('/api/admin/review/settings', ana, { method: 'GET' })).status).toBe(403);
    for (const bad of [{ ...DEFAULT_RULES, samplePercent: 101 }, { ...DEFAULT_RULES, samplePercent: -1 }, { ...DEFAULT_RULES, samplePercent: 1.234 }, { flag: true }]) {
      const refused = await call('/api/admin/review/settings', admin, { method: 'PUT', body: bad });
      expect(refused.status).toBe(400);
    }
    expect(await readRules(db)).toEqual({ ...DEFAULT_RULES, flag: false, samplePercent: 12.5 });
  });
});

describe('taking, releasing, finishing', () => {
  it('of two reviewers taking one item at once, exactly one wins and the other is told who has it', async () => {
    for (let round = 0; round < 12; round++) {
      const ref = await bareConversation();
      const { item } = await addManually(db, admin, ref);
      const [a, b] = await Promise.all([take(ana, item.id), take(ben, item.id)]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([200, 409]);
      const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
      const winnerName = (winner.body as { item: { assigneeName: string } }).item.assigneeName;
      expect(['Ana', 'Ben']).toContain(winnerName);
      expect(loser.body).toEqual({
        error: { code: 'review_taken', message: `${winnerName} is already reviewing this conversation.`, owner: { name: winnerName } },
      });
      const stored = await itemForRef(db, ref);
      expect(stored).toMatchObject({ state: 'in_review', assigneeName: winnerName });
      // Exactly one take was logged for the item.
      const takes = await listAccessLog(db, { sessionKeys: [ref], action: 'review_take', limit: 5 });
      expect(takes.entries).toHaveLength(1);
    }
  });

  it('only the reviewer who has it, or an admin, releases it; "Assigned to me" follows', async () => {
    const ref = await bareConversation();
    const { item } = await addManually(db, ana, ref);
    expect((await take(ana, item.id)).status).toBe(200);
    expect((await listQueue(db, ana.id, { tab: 'mine' })).items.map((i) => i.ref)).toContain(ref);
    expect((await listQueue(db, ben.id, { tab: 'mine' })).items.map((i) => i.ref)).not.toContain(ref);

    const refused = await release(ben, item.id);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'forbidden' } });
    expect(await itemForRef(db, ref)).toMatchObject({ state: 'in_review', assigneeName: 'Ana' });

    expect((await release(ana, item.id)).status).toBe(200);
    expect(await itemForRef(db, ref)).toMatchObject({ state: 'to_review', assigneeId: null, assigneeName: null });
    expect((await take(ben, item.id)).status).toBe(200);
    const byAdmin = await release(admin, item.id);
    expect(byAdmin.status).toBe(200);
    expect(await itemForRef(db, ref)).toMatchObject({ state: 'to_review', assigneeId: null });
  });

  it('only the reviewer who has it, or an admin, marks it done; a done item opens again when a rule fires', async () => {
    const ref = await bareConversation();
    const { item } = await addManually(db, ana, ref);
    expect((await take(ana, item.id)).status).toBe(200);
    const refused = await done(ben, item.id);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'review_taken', owner: { name: 'Ana' } } });
    const finished = await done(ana, item.id);
    expect(finished.status).toBe(200);
    expect(finished.body).toMatchObject({ item: { state: 'done', assigneeName: 'Ana' } });
    // A finished item cannot be taken; a rule firing again re-opens it for anyone.
    expect((await take(ben, item.id)).body).toMatchObject({ error: { code: 'invalid_state' } });
    await stack.query(`insert into flags (session_id, reason, agent_id) select id, 'again', $2 from sessions where ref = $1`, [ref, admin.id]);
    expect(await itemForRef(db, ref)).toMatchObject({ state: 'to_review', assigneeId: null, reasons: ['manual', 'flag'] });

    const other = await addManually(db, ana, await bareConversation());
    expect((await take(ben, other.item.id)).status).toBe(200);
    expect((await done(admin, other.item.id)).body).toMatchObject({ item: { state: 'done', assigneeName: 'Ben' } });
    expect((await done(ana, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await done(ana, 'not-an-id')).status).toBe(400);
  });

  it('adds a conversation by hand (201, then 200), refuses unknown ones, and logs every action', async () => {
    const ref = await bareConversation();
    const first = await call('/api/admin/review/items', ana, { body: { ref } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ item: { ref, reasons: ['manual'], state: 'to_review' } });
    expect((await call('/api/admin/review/items', ana, { body: { ref } })).status).toBe(200);
    expect((await call('/api/admin/review/items', ana, { body: { ref: 'c_aaaaaaaaaaaaaaaa' } })).status).toBe(404);
    expect((await call('/api/admin/review/items', ana, { body: { ref, extra: 1 } })).status).toBe(400);
    expect((await call('/api/admin/review/items', ana, { body: { ref: 'nope' } })).status).toBe(400);

    const id = (first.body as { item: { id: string } }).item.id;
    await take(ana, id);
    await release(ana, id);
    await done(ana, id);
    const log = await listAccessLog(db, { sessionKeys: [ref], limit: 10 });
    expect(log.entries.map((e) => [e.action, e.agentId])).toEqual([
      ['review_done', ana.id],
      ['review_release', ana.id],
      ['review_take', ana.id],
      ['review_enqueue', ana.id],
    ]);
  });

  it('lists tabs oldest first with counts, filters by reason, pages, and walks next/previous', async () => {
    const refs: string[] = [];
    for (let i = 0; i < 3; i++) refs.push(await bareConversation());
    const ids: string[] = [];
    for (const ref of refs) ids.push((await addManually(db, ana, ref)).item.id);
    const listed = await call('/api/admin/review/items?tab=to_review&reason=manual', ben, { method: 'GET' });
    expect(listed.status).toBe(200);
    const body = listed.body as { items: Array<{ ref: string }>; counts: Record<string, number> };
    const order = body.items.map((i) => i.ref).filter((r) => refs.includes(r));
    expect(order).toEqual(refs);
    const counts = await queueCounts(db, ben.id);
    expect(body.counts.to_review).toBeLessThanOrEqual(counts.to_review);
    expect((await call('/api/admin/review/items?tab=nope', ben, { method: 'GET' })).status).toBe(400);

    // Paging by two: the second page starts where the first ended.
    const first = await listQueue(db, ben.id, { tab: 'to_review' }, 2);
    const second = await listQueue(db, ben.id, { tab: 'to_review', after: first.next ?? undefined }, 2);
    expect(first.items).toHaveLength(2);
    expect(second.items[0]?.ref).not.toBe(first.items[1]?.ref);

    const middle = await itemForRef(db, refs[1] ?? '');
    if (!middle) throw new Error('missing item');
    const around = await neighbours(db, ben.id, middle);
    expect(around).toEqual({ previous: refs[0], next: refs[2] });
    // Finished, it is still a place to move on from.
    await done(ben, ids[1] ?? '');
    expect(await neighbours(db, ben.id, middle)).toEqual({ previous: refs[0], next: refs[2] });
  });
});
