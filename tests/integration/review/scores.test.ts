import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAccessLog } from '@/lib/auth/access-log';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import { readCorrections } from '@/lib/review/corrections';
import { listCurrentCriteria } from '@/lib/review/rubric';
import { overallAgreement, readScores } from '@/lib/review/scores';
import { sessionRef } from '@/lib/session-ref';
import type { TestStack } from '../../support/stack';
import { adminRequest, cookieFor, createAdminStack, database, makeAgent, routeContext } from '../admin/helpers';

let stack: TestStack;
let db: Database;
let admin: AgentIdentity;
let ada: AgentIdentity;
let bob: AgentIdentity;
let ref: string;
let otherRef: string;
const replies: string[] = [];
let otherReply: string;

beforeAll(async () => {
  stack = await createAdminStack();
  db = await database(stack);
  admin = await makeAgent(stack, 'admin');
  ada = await makeAgent(stack, 'agent', `ada-${Date.now()}@example.com`);
  bob = await makeAgent(stack, 'agent', `bob-${Date.now()}@example.com`);
  const sessionId = await stack.newSession();
  ref = sessionRef(sessionId);
  for (const text of ['Where is my order 4711?', 'Can you refund it?']) {
    const turn = await stack.send(sessionId, text);
    replies.push(turn.meta?.auditId ?? '');
  }
  const other = await stack.newSession();
  otherRef = sessionRef(other);
  otherReply = (await stack.send(other, 'Unrelated question.')).meta?.auditId ?? '';
});
afterAll(async () => {
  await stack?.close();
});

async function call(method: string, path: string, agent: AgentIdentity, body?: unknown, params?: Record<string, string>): Promise<Response> {
  const cookie = await cookieFor(stack, agent);
  const request = adminRequest(path, { method, cookie, body });
  if (path === '/api/admin/review/scores') {
    const { PUT } = await import('@/app/api/admin/review/scores/route');
    return PUT(request, routeContext({}));
  }
  if (path === '/api/admin/review/rubric') {
    const { POST } = await import('@/app/api/admin/review/rubric/route');
    return POST(request, routeContext({}));
  }
  if (path.startsWith('/api/admin/review/rubric/')) {
    const route = await import('@/app/api/admin/review/rubric/[key]/route');
    const handler = method === 'PATCH' ? route.PATCH : route.DELETE;
    return handler(request, routeContext(params as { key: string }));
  }
  const route = await import('@/app/api/admin/review/corrections/[auditId]/route');
  const handler = method === 'PUT' ? route.PUT : route.DELETE;
  return handler(request, routeContext(params as { auditId: string }));
}

function score(agent: AgentIdentity, body: { ref?: string; auditId: string | null; criterionId: string; value: number | null }) {
  return call('PUT', '/api/admin/review/scores', agent, { ref, ...body });
}

async function criterion(key: string) {
  const found = (await listCurrentCriteria(db)).find((c) => c.key === key);
  if (!found) throw new Error(`no current criterion ${key}`);
  return found;
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

async function scoreRows(): Promise<number> {
  const [row] = await stack.query<{ n: number }>('select count(*)::int as n from review_scores');
  return row?.n ?? 0;
}

describe('the rubric', () => {
  it('starts with the four seeded criteria; only admins change it (an agent gets 403 and nothing changes)', async () => {
    expect((await listCurrentCriteria(db)).map((c) => [c.key, c.kind, c.appliesTo])).toEqual([
      ['correct', 'yes_no', 'turn'],
      ['helpful', 'scale', 'both'],
      ['tone', 'scale', 'both'],
      ['should_have_handed_off', 'yes_no', 'conversation'],
    ]);
    const refused = await call('POST', '/api/admin/review/rubric', ada, { key: 'clarity', label: 'Clarity', kind: 'scale', appliesTo: 'turn' });
    expect(refused.status).toBe(403);
    expect((await call('DELETE', '/api/admin/review/rubric/tone', ada, undefined, { key: 'tone' })).status).toBe(403);
    expect((await listCurrentCriteria(db)).map((c) => c.key)).not.toContain('clarity');
  });

  it('refuses a bad criterion with a 4xx and stores nothing', async () => {
    const before = await stack.query('select id from rubric_criteria');
    const bad = [
      { key: 'Bad Key', label: 'x', kind: 'scale', appliesTo: 'turn' },
      { key: 'wide', label: 'Wide', kind: 'scale', scaleMin: 0, scaleMax: 11, appliesTo: 'turn' },
      { key: 'upside', label: 'Upside', kind: 'scale', scaleMin: 4, scaleMax: 2, appliesTo: 'turn' },
      { key: 'blank', label: '   ', kind: 'yes_no', appliesTo: 'turn' },
      { key: 'scope', label: 'Scope', kind: 'yes_no', appliesTo: 'everything' },
      { key: 'helpful', label: 'Helpful again', kind: 'yes_no', appliesTo: 'turn' },
    ];
    for (const body of bad) {
      const response = await call('POST', '/api/admin/review/rubric', admin, body);
      expect(response.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(response.status, JSON.stringify(body)).toBeLessThan(500);
    }
    expect(await stack.query('select id from rubric_criteria')).toHaveLength(before.length);
  });

  it('old scores keep their meaning: a score under v1 (1–5, "Clarity") still reads with v1 after a change to 1–3 and a rename', async () => {
    const created = await call('POST', '/api/admin/review/rubric', admin, {
      key: 'clarity',
      label: 'Clarity',
      description: '1: confusing · 5: crystal clear',
      kind: 'scale',
      scaleMin: 1,
      scaleMax: 5,
      appliesTo: 'turn',
    });
    expect(created.status).toBe(201);
    const v1 = await criterion('clarity');
    expect(v1).toMatchObject({ version: 1, scaleMin: 1, scaleMax: 5, label: 'Clarity' });
    expect((await score(ada, { auditId: replies[0]!, criterionId: v1.id, value: 5 })).status).toBe(200);

    const changed = await call('PATCH', '/api/admin/review/rubric/clarity', admin, { label: 'Easy to follow', scaleMax: 3 }, { key: 'clarity' });
    expect(changed.status).toBe(200);
    const v2 = await criterion('clarity');
    expect(v2).toMatchObject({ version: 2, scaleMin: 1, scaleMax: 3, label: 'Easy to follow', description: '1: confusing · 5: crystal clear' });
    expect(v2.id).not.toBe(v1.id);

    // The old score: still a 5, read with v1's label and 1–5 scale (not "5 on a 1–3 scale").
    const scores = await readScores(db, ref);
    const turn = scores.targets.find((t) => t.auditId === replies[0]);
    const old = turn?.criteria.find((c) => c.criterion.id === v1.id);
    expect(old?.criterion).toMatchObject({ label: 'Clarity', version: 1, scaleMin: 1, scaleMax: 5 });
    expect(old?.criterion.retiredAt).toBeInstanceOf(Date);
    expect(old?.scores.map((s) => [s.reviewerName, s.value])).toEqual([['Test agent', 5]]);

    // The current rubric shows only v2; scoring under v1 now is refused, and a new score uses v2's bounds.
    expect((await listCurrentCriteria(db)).filter((c) => c.key === 'clarity').map((c) => c.version)).toEqual([2]);
    const stale = await score(bob, { auditId: replies[0]!, criterionId: v1.id, value: 4 });
    expect(stale.status).toBe(409);
    expect((await score(bob, { auditId: replies[0]!, criterionId: v2.id, value: 5 })).status).toBe(400);
    expect((await score(bob, { auditId: replies[0]!, criterionId: v2.id, value: 3 })).status).toBe(200);
    expect((await score(ada, { auditId: replies[0]!, criterionId: v2.id, value: 3 })).status).toBe(200);

    // Agreement compares only the same version: v1 has one reviewer (nothing compared), v2 has two who agree.
    const after = (await readScores(db, ref)).targets.find((t) => t.auditId === replies[0]);
    const byVersion = new Map(after?.criteria.map((c) => [c.criterion.version, c] as const));
    expect(byVersion.get(1)?.agreement).toMatchObject({ compared: 0, pairs: 0, exactPercent: null });
    expect(byVersion.get(2)?.agreement).toMatchObject({ compared: 1, pairs: 1, exactPercent: 100, meanAbsDiff: 0 });
    expect(byVersion.get(2)?.criterion.label).toBe('Easy to follow');

    // Removing retires it: gone from the rubric, its scores still read.
    expect((await call('DELETE', '/api/admin/review/rubric/clarity', admin, undefined, { key: 'clarity' })).status).toBe(200);
    expect((await listCurrentCriteria(db)).map((c) => c.key)).not.toContain('clarity');
    expect((await readScores(db, ref)).targets.find((t) => t.auditId === replies[0])?.criteria.map((c) => c.criterion.version)).toEqual([1, 2]);

    // The agents' refused attempts are logged too (as refusals); the admin's changes in order.
    const log = await listAccessLog(db, { action: 'rubric_change', limit: 10 });
    const changes = log.entries.filter((e) => e.agentId === admin.id);
    expect(changes.map((e) => e.detail.change)).toEqual(['remove', 'change', 'create']);
    expect(log.entries.filter((e) => e.agentId === ada.id).map((e) => e.detail.refused)).toEqual(['forbidden', 'forbidden']);
    expect(changes[1]?.detail).toMatchObject({ key: 'clarity', version: 2, previousVersion: 1, scaleMax: 3 });
  });
});

describe('scores', () => {
  it('refuses values outside the version\'s bounds, wrong targets and foreign replies, storing nothing', async () => {
    const helpful = await criterion('helpful');
    const correct = await criterion('correct');
    const handOff = await criterion('should_have_handed_off');
    const before = await scoreRows();
    const cases: Array<[number, Parameters<typeof score>[1] & { ref?: string }]> = [
      [400, { auditId: replies[1]!, criterionId: helpful.id, value: 6 }],
      [400, { auditId: replies[1]!, criterionId: helpful.id, value: 0 }],
      [400, { auditId: replies[1]!, criterionId: correct.id, value: 2 }],
      [400, { auditId: replies[1]!, criterionId: handOff.id, value: 1 }],
      [400, { auditId: null, criterionId: correct.id, value: 1 }],
      [404, { auditId: otherReply, criterionId: correct.id, value: 1 }],
      [404, { auditId: replies[1]!, criterionId: '00000000-0000-4000-8000-000000000000', value: 1 }],
      [404, { ref: 'c_nosuchconversat', auditId: null, criterionId: helpful.id, value: 3 }],
    ];
    for (const [status, body] of cases) {
      const response = await score(ada, body);
      expect(response.status, JSON.stringify(body)).toBe(status);
    }
    const fractional = await score(ada, { auditId: null, criterionId: helpful.id, value: 2.5 });
    expect(fractional.status).toBe(400);
    expect(await errorCode(fractional)).toBe('invalid_request');
    expect(await scoreRows()).toBe(before);
  });

  it('scoring a conversation not yet in the queue adds it by hand; scoring again replaces; clearing removes', async () => {
    const helpful = await criterion('helpful');
    expect(await stack.query('select 1 from review_items where session_id = $1', [otherRef])).toHaveLength(0);
    const first = await score(ada, { ref: otherRef, auditId: null, criterionId: helpful.id, value: 2 });
    expect(first.status).toBe(200);
    const [item] = await stack.query<{ reasons: string[]; added_by: string }>('select reasons, added_by from review_items where session_id = $1', [otherRef]);
    expect(item).toMatchObject({ reasons: ['manual'], added_by: ada.id });

    expect((await score(ada, { ref: otherRef, auditId: null, criterionId: helpful.id, value: 4 })).status).toBe(200);
    let read = await readScores(db, otherRef);
    expect(read.targets[0]?.criteria[0]?.scores.map((s) => s.value)).toEqual([4]);
    expect((await score(ada, { ref: otherRef, auditId: null, criterionId: helpful.id, value: null })).status).toBe(200);
    read = await readScores(db, otherRef);
    expect(read.targets).toEqual([]);

    const log = await listAccessLog(db, { sessionKeys: [otherRef], action: 'review_score', limit: 5 });
    expect(log.entries.map((e) => e.detail.value)).toEqual([null, 4, 2]);
  });

  it('two reviewers on the same conversation: agreement per criterion, per item and overall', async () => {
    const helpful = await criterion('helpful');
    const tone = await criterion('tone');
    const correct = await criterion('correct');
    const handOff = await criterion('should_have_handed_off');
    // Conversation: helpful 4 vs 2 (differ by 2), hand-off yes vs yes; reply 2: correct yes vs no, tone 5 vs 4.
    for (const [agent, values] of [
      [ada, [4, 1, 1, 5]],
      [bob, [2, 1, 0, 4]],
    ] as const) {
      expect((await score(agent, { auditId: null, criterionId: helpful.id, value: values[0] })).status).toBe(200);
      expect((await score(agent, { auditId: null, criterionId: handOff.id, value: values[1] })).status).toBe(200);
      expect((await score(agent, { auditId: replies[1]!, criterionId: correct.id, value: values[2] })).status).toBe(200);
      const response = await score(agent, { auditId: replies[1]!, criterionId: tone.id, value: values[3] });
      expect(response.status).toBe(200);
    }
    const read = await readScores(db, ref);
    expect(read.targets[0]?.auditId).toBeNull();
    const conversation = new Map(read.targets[0]?.criteria.map((c) => [c.criterion.key, c] as const));
    expect(conversation.get('helpful')?.scores.map((s) => s.value).sort()).toEqual([2, 4]);
    expect(conversation.get('helpful')?.agreement).toMatchObject({ pairs: 1, exactPercent: 0, meanAbsDiff: 2 });
    expect(conversation.get('should_have_handed_off')?.agreement).toMatchObject({ pairs: 1, exactPercent: 100, meanAbsDiff: null });
    const reply = new Map(read.targets.find((t) => t.auditId === replies[1])?.criteria.map((c) => [c.criterion.key, c] as const));
    expect(reply.get('correct')?.agreement.exactPercent).toBe(0);
    expect(reply.get('tone')?.agreement.meanAbsDiff).toBe(1);
    // The item: clarity v2 (agree), helpful (differ by 2), hand-off (agree), correct (differ), tone (differ by 1).
    expect(read.agreement).toMatchObject({ compared: 5, pairs: 5, exactPercent: 40, meanAbsDiff: 1, scalePairs: 3 });
    // Overall adds nothing compared from the other conversation (one reviewer, then cleared).
    expect(await overallAgreement(db)).toMatchObject({ compared: 5, pairs: 5, exactPercent: 40 });
  });
});

describe('a turn without a reply', () => {
  it('is not scored or corrected: a failed turn (no assistant text) is refused with 400, nothing stored', async () => {
    const failedSession = await stack.newSession();
    const failedRef = sessionRef(failedSession);
    stack.model.failNext('400');
    const failed = await stack.send(failedSession, 'This one fails.');
    const auditId = failed.meta?.auditId ?? (await stack.query<{ audit_id: string }>('select audit_id from turns where session_id = $1', [failedRef]))[0]?.audit_id;
    expect(auditId).toBeTruthy();
    const [turn] = await stack.query<{ status: string; assistant_text: string | null }>('select status, assistant_text from turns where audit_id = $1', [auditId]);
    expect(turn).toEqual({ status: 'model_error', assistant_text: null });
    const correct = await criterion('correct');
    const before = await scoreRows();
    const scored = await score(ada, { ref: failedRef, auditId: auditId!, criterionId: correct.id, value: 1 });
    expect(scored.status).toBe(400);
    expect(await errorCode(scored)).toBe('invalid_request');
    const corrected = await call('PUT', `/api/admin/review/corrections/${auditId}`, ada, { text: 'Sorry, let me check.' }, { auditId: auditId! });
    expect(corrected.status).toBe(400);
    expect(await scoreRows()).toBe(before);
    expect(await stack.query('select 1 from review_corrections where audit_id = $1', [auditId])).toHaveLength(0);
  });
});

describe('corrections', () => {
  it('is stored beside the reply exactly as typed, with a word diff; the turn row never changes', async () => {
    const auditId = replies[0]!;
    const turnRow = () => stack.query('select * from turns where audit_id = $1', [auditId]);
    const before = await turnRow();
    const original = (before[0] as { assistant_text: string }).assistant_text;
    const text = `  Your order 4711 ships tomorrow.\n\nSorry for the wait!  `;
    const response = await call('PUT', `/api/admin/review/corrections/${auditId}`, ada, { text }, { auditId });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { text: string; original: string; diff: Array<{ kind: string; text: string }> };
    expect(body.text).toBe(text);
    expect(body.original).toBe(original);
    expect(body.diff.filter((p) => p.kind !== 'removed').map((p) => p.text).join('')).toBe(text);
    expect(body.diff.filter((p) => p.kind !== 'added').map((p) => p.text).join('').replace(/\s+/g, ' ').trim()).toBe(original.replace(/\s+/g, ' ').trim());
    expect(body.diff.some((p) => p.kind === 'added' && p.text.includes('tomorrow'))).toBe(true);

    // Replaced by a second reviewer; still one per reply.
    const replaced = 'Your order 4711 ships tomorrow.';
    expect((await call('PUT', `/api/admin/review/corrections/${auditId}`, bob, { text: replaced }, { auditId })).status).toBe(200);
    const stored = (await readCorrections(db, ref)).get(auditId);
    expect(stored).toMatchObject({ text: replaced, authorName: 'Test agent', original });
    expect(await stack.query('select 1 from review_corrections where audit_id = $1', [auditId])).toHaveLength(1);
    expect(await turnRow()).toEqual(before);

    const log = await listAccessLog(db, { sessionKeys: [ref], action: 'review_correction', limit: 5 });
    expect(log.entries.map((e) => [e.auditId, e.detail.chars])).toEqual([
      [auditId, replaced.length],
      [auditId, text.length],
    ]);
  });

  it('refuses an empty or too long correction and a turn that is not a reply here, storing nothing', async () => {
    const auditId = replies[1]!;
    for (const text of ['', '   \n ', 'x'.repeat(8001)]) {
      const response = await call('PUT', `/api/admin/review/corrections/${auditId}`, ada, { text }, { auditId });
      expect(response.status).toBe(400);
    }
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await call('PUT', `/api/admin/review/corrections/${unknown}`, ada, { text: 'Hi' }, { auditId: unknown })).status).toBe(404);
    expect(await stack.query('select 1 from review_corrections where audit_id = $1', [auditId])).toHaveLength(0);
    // 8000 characters is fine, kept exactly.
    const long = 'y'.repeat(8000);
    expect((await call('PUT', `/api/admin/review/corrections/${auditId}`, ada, { text: long }, { auditId })).status).toBe(200);
    expect((await readCorrections(db, ref)).get(auditId)?.text).toBe(long);
    expect((await call('DELETE', `/api/admin/review/corrections/${auditId}`, ada, undefined, { auditId })).status).toBe(204);
    expect((await call('DELETE', `/api/admin/review/corrections/${auditId}`, ada, undefined, { auditId })).status).toBe(404);
    expect((await readCorrections(db, ref)).has(auditId)).toBe(false);
  });
});

describe('scores in the sessions list and the overview', () => {
  it('filters the list by a criterion\'s mean (current version only) and shows the mean as a column', async () => {
    const { listSessions } = await import('@/lib/admin/sessions');
    const { readListFilters } = await import('@/lib/admin/filters');
    const helpful = await criterion('helpful');
    // ref: helpful 4 and 2 (mean 3); otherRef: helpful 1 by Ada, 2 by Bob on its reply (mean 1.5).
    expect((await score(ada, { ref: otherRef, auditId: null, criterionId: helpful.id, value: 1 })).status).toBe(200);
    expect((await score(bob, { ref: otherRef, auditId: otherReply, criterionId: helpful.id, value: 2 })).status).toBe(200);
    const refsFor = async (params: Record<string, string>) => {
      const { filters, problems } = readListFilters(params);
      expect(problems).toEqual([]);
      return (await listSessions(db, filters)).rows.map((row) => row.ref).sort();
    };
    expect(await refsFor({ score: 'helpful', scoreMax: '2' })).toEqual([otherRef]);
    expect(await refsFor({ score: 'helpful', scoreMin: '2.5' })).toEqual([ref]);
    expect(await refsFor({ score: 'helpful', scoreMin: '3', scoreMax: '3' })).toEqual([ref]);
    expect(await refsFor({ score: 'helpful' })).toEqual([ref, otherRef].sort());
    expect(await refsFor({ score: 'should_have_handed_off', scoreMin: '1' })).toEqual([ref]);
    // Clarity was removed: its old scores no longer answer the current rubric's filter.
    expect(await refsFor({ score: 'clarity' })).toEqual([]);
    expect(readListFilters({ score: 'helpful', scoreMax: '11' }).problems).toEqual(['highest score: must be a number from 0 to 10.']);
    expect(readListFilters({ score: 'Helpful!' }).problems).toHaveLength(1);

    const rows = (await listSessions(db, readListFilters({ score: 'helpful' }).filters)).rows;
    const columns = new Map(rows.map((row) => [row.ref, Object.fromEntries(row.scores.map((s) => [s.key, [s.mean, s.count]]))]));
    expect(columns.get(otherRef)).toEqual({ helpful: [1.5, 2] });
    expect(columns.get(ref)).toMatchObject({ helpful: [3, 2], tone: [4.5, 2], correct: [0.5, 2], should_have_handed_off: [1, 2] });
    expect(columns.get(ref)).not.toHaveProperty('clarity');
  });

  it('the overview\'s trend: mean per criterion version and ISO week, and the week\'s agreement', async () => {
    const { loadScoreTrend, isoWeekName } = await import('@/lib/review/trend');
    const now = new Date();
    const trend = await loadScoreTrend(db, new Date(now.getTime() - 7 * 24 * 3600 * 1000), new Date(now.getTime() + 60_000));
    const week = trend.weeks.find((w) => w.name === isoWeekName(now));
    const cells = new Map(week?.cells.map((cell) => [`${cell.key}@${cell.version}`, [cell.mean, cell.count]]));
    // helpful: 4, 2 (ref) + 1, 2 (otherRef) → 2.25; clarity v1 and v2 stay apart.
    expect(cells.get('helpful@1')).toEqual([2.25, 4]);
    expect(cells.get('clarity@1')).toEqual([5, 1]);
    expect(cells.get('clarity@2')).toEqual([3, 2]);
    // Shares of the scale: clarity v1 5 of 1–5 → 1, v2 3 of 1–3 → 1 (both top marks).
    expect(week?.shares.clarity).toBe(1);
    // otherRef's two helpful scores are on different targets (conversation, reply): not compared.
    expect(week?.agreement).toMatchObject({ pairs: 5, exactPercent: 40 });
    expect(trend.scores).toBe(13);
  });
});
