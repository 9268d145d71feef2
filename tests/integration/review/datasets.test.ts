import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAccessLog } from '@/lib/auth/access-log';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import type { StoredPromptMessage } from '@/lib/db/schema';
import type { DatasetRecord } from '@/lib/review/datasets';
import { sessionRef } from '@/lib/session-ref';
import type { TestStack } from '../../support/stack';
import { adminRequest, cookieFor, createAdminStack, database, makeAgent, routeContext } from '../admin/helpers';
import { conversation, correct, criterion, parseJsonl, reviewItem, score } from './dataset-seed';

type Created = { dataset: { id: string; name: string; version: number; itemCount: number; redacted: boolean }; refused: string[] };

async function create(_stack: TestStack, cookie: string, body: unknown): Promise<Response> {
  const { POST } = await import('@/app/api/admin/datasets/route');
  return POST(adminRequest('/api/admin/datasets', { method: 'POST', cookie, body }));
}

async function exportText(cookie: string, id: string): Promise<{ response: Response; text: string }> {
  const { GET } = await import('@/app/api/admin/datasets/[id]/export/route');
  const response = await GET(adminRequest(`/api/admin/datasets/${id}/export`, { cookie }), routeContext({ id }));
  return { response, text: await response.text() };
}

async function recorded(stack: TestStack, auditId: string): Promise<{ messages: StoredPromptMessage[]; hash: string; reply: string }> {
  const [row] = await stack.query<{ prompt_messages: StoredPromptMessage[]; prompt_hash: string; assistant_text: string }>(
    'select prompt_messages, prompt_hash, assistant_text from turns where audit_id = $1',
    [auditId],
  );
  if (!row) throw new Error('no turn');
  return { messages: row.prompt_messages, hash: row.prompt_hash, reply: row.assistant_text };
}

describe('datasets of reviewed turns', () => {
  let stack: TestStack;
  let db: Database;
  let admin: AgentIdentity;
  let reviewer: AgentIdentity;
  let cookie: string;
  let a: { sessionId: string; auditIds: string[] };
  let b: { sessionId: string; auditIds: string[] };
  let unreviewed: { sessionId: string; auditIds: string[] };
  let first: Created;
  let firstJsonl: string;

  beforeAll(async () => {
    stack = await createAdminStack();
    db = await database(stack);
    admin = await makeAgent(stack, 'admin');
    reviewer = await makeAgent(stack, 'agent');
    cookie = await cookieFor(stack, admin);
    a = await conversation(stack, ['Hi, I am Ada.', 'Where is order 4711?', 'Thanks!']);
    b = await conversation(stack, ['Can I change my address?', 'It is 1 Main St.']);
    unreviewed = await conversation(stack, ['Nobody will look at this.']);
    const helpful = await criterion(stack, 'helpful');
    // A1 scored, A2 corrected, A3 neither (A's item is not done); all of B's conversation is done.
    await score(stack, reviewer, a.sessionId, a.auditIds[0]!, helpful, 4);
    await correct(stack, reviewer, a.sessionId, a.auditIds[1]!, 'Order 4711 left our warehouse today; here is the tracking link.');
    await reviewItem(stack, b.sessionId, 'done');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('holds each reviewed reply with its exact recorded messages, hash-verified, its correction and its scores', async () => {
    const response = await create(stack, cookie, { name: 'support-evals', description: 'first cut' });
    expect(response.status).toBe(201);
    first = (await response.json()) as Created;
    expect(first.dataset).toMatchObject({ name: 'support-evals', version: 1, itemCount: 4, redacted: false });
    expect(first.refused).toEqual([]);

    const { response: exported, text } = await exportText(cookie, first.dataset.id);
    firstJsonl = text;
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('application/x-ndjson');
    expect(exported.headers.get('content-disposition')).toContain('support-evals-v1.jsonl');
    const records = parseJsonl(text) as unknown as DatasetRecord[];
    expect(records.map((r) => r.metadata.audit_id)).toEqual([a.auditIds[0], a.auditIds[1], b.auditIds[0], b.auditIds[1]]);
    for (const record of records) {
      const turn = await recorded(stack, record.metadata.audit_id);
      // The exact messages the model was sent, and a hash anyone can recompute from the line itself.
      expect(record.input).toEqual(turn.messages);
      expect(createHash('sha256').update(JSON.stringify(record.input)).digest('hex')).toBe(turn.hash);
      expect(record.metadata).toMatchObject({ prompt_sha256: turn.hash, prompt_verified: true, reply: turn.reply, model: 'mock-model' });
      expect(Object.keys(record)).toEqual(['input', 'ideal', 'metadata']);
    }
    const [scored, corrected, plain] = records;
    expect(scored?.metadata.scores).toEqual([
      { criterion: 'helpful', version: 1, label: 'Helpful', kind: 'scale', scale_min: 1, scale_max: 5, value: 4, reviewer: reviewer.name },
    ]);
    expect(scored?.ideal).toBe(scored?.metadata.reply);
    expect(corrected?.metadata.correction).toMatchObject({
      text: 'Order 4711 left our warehouse today; here is the tracking link.',
      author: reviewer.name,
    });
    expect(corrected?.ideal).toBe('Order 4711 left our warehouse today; here is the tracking link.');
    expect(corrected?.metadata.ideal_source).toBe('correction');
    expect(plain?.metadata.correction).toBeNull();
    expect(plain?.metadata.scores).toEqual([]);
  });

  it('holds no session id nor its reference anywhere in the JSONL', () => {
    for (const conv of [a, b, unreviewed]) {
      expect(firstJsonl).not.toContain(conv.sessionId);
      expect(firstJsonl).not.toContain(sessionRef(conv.sessionId));
    }
    expect(firstJsonl).not.toMatch(/c_[a-z2-7]{16}/);
    expect(firstJsonl).not.toMatch(/s[12]\.[A-Za-z0-9_-]{22}\./);
  });

  it('makes a new version for the same name and refuses a turn whose stored prompt was altered', async () => {
    // Someone edits what the model "saw" in SQL: the hash no longer matches.
    await stack.query(
      `update turns set prompt_messages = jsonb_set(prompt_messages, '{1,content}', '"I never said this"') where audit_id = $1`,
      [b.auditIds[0]],
    );
    const response = await create(stack, cookie, { name: 'support-evals' });
    expect(response.status).toBe(201);
    const second = (await response.json()) as Created;
    expect(second.dataset).toMatchObject({ version: 2, itemCount: 3 });
    expect(second.refused).toEqual([b.auditIds[0]]);
    const { text } = await exportText(cookie, second.dataset.id);
    expect(text).not.toContain('I never said this');
    expect(parseJsonl(text).map((r) => (r as unknown as DatasetRecord).metadata.audit_id)).toEqual([
      a.auditIds[0],
      a.auditIds[1],
      b.auditIds[1],
    ]);
    // Version 1 is frozen: it still exports what was verified when it was made.
    expect((await exportText(cookie, first.dataset.id)).text).toBe(firstJsonl);
  });

  it('filters by criterion and corrected replies', async () => {
    const byCriterion = (await (await create(stack, cookie, { name: 'scored', criterion: 'helpful' })).json()) as Created;
    expect(byCriterion.dataset.itemCount).toBe(1);
    const corrected = (await (await create(stack, cookie, { name: 'corrected', correctedOnly: true })).json()) as Created;
    expect(corrected.dataset.itemCount).toBe(1);
    const none = await create(stack, cookie, { name: 'future', from: '2999-01-01T00:00:00Z' });
    expect(none.status).toBe(422);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('nothing_selected');
  });

  it('masks personal data in the messages, the reply and the correction when the admin asks', async () => {
    const c = await conversation(stack, ['Write to me at ada.lovelace@example.com please']);
    await correct(stack, reviewer, c.sessionId, c.auditIds[0]!, 'We will call you on +44 20 7946 0958.');
    const created = (await (await create(stack, cookie, { name: 'masked', mask: true, correctedOnly: true })).json()) as Created;
    expect(created.dataset.redacted).toBe(true);
    const { text } = await exportText(cookie, created.dataset.id);
    expect(text).not.toContain('ada.lovelace@example.com');
    expect(text).not.toContain('7946 0958');
    const record = parseJsonl(text).find((r) => (r as unknown as DatasetRecord).metadata.audit_id === c.auditIds[0]) as unknown as DatasetRecord;
    expect(record.input.at(-1)?.content).toBe('Write to me at [email] please');
    expect(record.metadata.correction?.text).toBe('We will call you on [phone].');
    expect(record.metadata.masked).toBe(true);
  });

  it('logs dataset_create and dataset_export', async () => {
    const created = await listAccessLog(db, { action: 'dataset_create', limit: 20 });
    expect(created.entries[created.entries.length - 1]).toMatchObject({
      agentId: admin.id,
      detail: { datasetId: first.dataset.id, name: 'support-evals', version: 1, items: 4, refused: 0 },
    });
    const exported = await listAccessLog(db, { action: 'dataset_export', limit: 20 });
    expect(exported.entries.some((e) => e.detail.datasetId === first.dataset.id && e.detail.items === 4)).toBe(true);
  });

  it('is for admins only, and a bad request stores nothing', async () => {
    const before = await stack.query<{ n: number }>('select count(*)::int as n from datasets');
    const agentCookie = await cookieFor(stack, reviewer);
    expect((await create(stack, agentCookie, { name: 'nope' })).status).toBe(403);
    expect((await exportText(agentCookie, first.dataset.id)).response.status).toBe(403);
    const blank = await create(stack, cookie, { name: '   ' });
    expect(blank.status).toBe(400);
    expect((await create(stack, cookie, { name: 'x', sessionId: 'c_aaaaaaaaaaaaaaaa' })).status).toBe(400);
    expect((await exportText(cookie, '00000000-0000-4000-8000-000000000000')).response.status).toBe(404);
    expect((await exportText(cookie, 'not-a-uuid')).response.status).toBe(400);
    expect(await stack.query<{ n: number }>('select count(*)::int as n from datasets')).toEqual(before);
  });
});

describe('datasets under AUDIT_REDACT=mask', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await createAdminStack({ AUDIT_REDACT: 'mask' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('masks the correction as the stored turn is masked', async () => {
    const admin = await makeAgent(stack, 'admin');
    const c = await conversation(stack, ['My card is 4111 1111 1111 1111']);
    await correct(stack, admin, c.sessionId, c.auditIds[0]!, 'Never share 4111 1111 1111 1111 here; mail billing@example.com.');
    const cookie = await cookieFor(stack, admin);
    const created = (await (await create(stack, cookie, { name: 'redacted' })).json()) as Created;
    expect(created.dataset.redacted).toBe(true);
    const { text } = await exportText(cookie, created.dataset.id);
    const [record] = parseJsonl(text) as unknown as DatasetRecord[];
    expect(record?.input.at(-1)?.content).toBe('My card is [card]');
    expect(record?.metadata.correction?.text).toBe('Never share [card] here; mail [email].');
    expect(text).not.toContain('4111');
  });
});
