import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listVersion, transcriptVersion } from '@/lib/admin/live';
import { loadOverview } from '@/lib/admin/overview';
import { parsePeriod } from '@/lib/admin/period';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import { sessionRef } from '@/lib/session-ref';
import type { TestStack } from '../../support/stack';
import { adminRequest, cookieFor, createAdminStack, database, insertSessions, makeAgent, routeContext } from './helpers';

let stack: TestStack;
let db: Database;
let agent: AgentIdentity;

beforeAll(async () => {
  stack = await createAdminStack();
  db = await database(stack);
  agent = await makeAgent(stack, 'agent');
  await insertSessions(stack, [
    { id: 'ov-a', lastActivityAt: '2022-05-01T09:30:00.000000Z' },
    { id: 'ov-b', lastActivityAt: '2022-05-02T23:30:00.000000Z' },
  ]);
  // created_at of the sessions: 5 minutes before their last activity.
  const turn = (session: string, seq: number, at: string, status: string, memory: string, code: string | null, model: string, tokens: number | null, ms: number | null) =>
    stack.query(
      `insert into turns (audit_id, session_id, seq, user_text, assistant_text, status, memory_status, error_code, model,
         prompt_tokens, completion_tokens, ttft_ms, total_ms, context_audit_ids, prompt_messages, prompt_hash, created_at)
       values (gen_random_uuid(), $1, $2, 'q', 'a', $3, $4, $5, $6, $7, $7, $8, $8 * 10, '[]', '[]', 'x', $9)`,
      [session, seq, status, memory, code, model, tokens, ms, at],
    );
  await turn('ov-a', 1, '2022-05-01T09:25:00Z', 'ok', 'new', null, 'm1', 100, 100);
  await turn('ov-a', 2, '2022-05-01T09:30:00Z', 'model_error', 'expired', 'model_rate_limited', 'm1', null, null);
  await turn('ov-b', 1, '2022-05-02T23:25:00Z', 'ok', 'unavailable', null, 'm2', 10, 300);
  await turn('ov-b', 2, '2022-05-02T23:30:00Z', 'abandoned', 'ok', null, 'm2', null, null);
  const [first] = await stack.query<{ audit_id: string }>(`select audit_id from turns where session_id = 'ov-a' and seq = 1`);
  await stack.query(`insert into turn_feedback (audit_id, session_id, rating) values ($1, 'ov-a', 'up')`, [first?.audit_id]);
});
afterAll(async () => {
  await stack?.close();
});

describe('overview aggregates', () => {
  it('counts a period by day: conversations, turns, fallbacks, errors by code, unfinished, latency, tokens, cost, feedback, hours', async () => {
    const period = parsePeriod({ period: 'custom', from: '2022-05-01', to: '2022-05-03' });
    const overview = await loadOverview(db, period, { m1: { input: 1000, output: 2000 } });
    expect(overview.buckets.map((b) => [b.at.toISOString().slice(0, 10), b.conversations, b.turns])).toEqual([
      ['2022-05-01', 1, 2],
      ['2022-05-02', 1, 2],
      ['2022-05-03', 0, 0],
    ]);
    expect(overview.totals).toEqual({
      conversations: 2,
      turns: 4,
      expired: 1,
      unavailable: 1,
      errors: 1,
      unfinished: 1,
      promptTokens: 110,
      completionTokens: 110,
      cost: (100 * 1000 + 100 * 2000) / 1_000_000,
    });
    expect(overview.codes).toEqual(['model_rate_limited']);
    expect(overview.buckets[0]?.byCode).toEqual({ model_rate_limited: 1 });
    expect(overview.buckets[0]).toMatchObject({ ttftP50: 100, totalP50: 1000 });
    expect(overview.buckets[1]).toMatchObject({ ttftP50: 300, ttftP95: 300, totalP95: 3000 });
    expect(overview.tokens).toEqual([
      { day: '2022-05-01', model: 'm1', turns: 2, promptTokens: 100, completionTokens: 100, cost: 0.3 },
      { day: '2022-05-02', model: 'm2', turns: 2, promptTokens: 10, completionTokens: 10, cost: null },
    ]);
    expect(overview.feedback).toEqual({ up: 1, down: 0 });
    expect(overview.hours[9]).toBe(2);
    expect(overview.hours[23]).toBe(2);
  });

  it('a single day goes by the hour, in UTC', async () => {
    const overview = await loadOverview(db, parsePeriod({ period: 'custom', from: '2022-05-02', to: '2022-05-02' }), {});
    expect(overview.buckets).toHaveLength(24);
    expect(overview.buckets[23]).toMatchObject({ turns: 2, unfinished: 1, unavailable: 1 });
    expect(overview.totals.cost).toBeNull();
  });

  it('reads the covering index only (no heap rows for the turn aggregates)', async () => {
    await stack.query('vacuum analyze turns');
    await stack.query('set enable_seqscan = off');
    const plan = await stack.query<{ 'QUERY PLAN': string }>(
      `explain select count(*), percentile_cont(0.5) within group (order by ttft_ms) from turns
       where created_at >= '2022-05-01' and created_at < '2022-05-04' group by date_trunc('day', created_at at time zone 'UTC')`,
    );
    await stack.query('reset enable_seqscan');
    expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/Index Only Scan using turns_overview_idx/);
  });
});

describe('live versions', () => {
  it('answer 304 to a poll that already has the version, and move when a turn arrives', async () => {
    const cookie = await cookieFor(stack, agent);
    const { GET } = await import('@/app/api/admin/sessions/live/route');
    const first = await GET(adminRequest('/api/admin/sessions/live', { cookie }), routeContext({}));
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = new Request('http://localhost/api/admin/sessions/live', { headers: { ...Object.fromEntries(adminRequest('/x', { cookie }).headers), 'if-none-match': etag } });
    const unchanged = await GET(again, routeContext({}));
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');

    const sessionId = await stack.newSession();
    await stack.send(sessionId, 'Something new');
    const moved = await GET(new Request(again.url, { headers: again.headers }), routeContext({}));
    expect(moved.status).toBe(200);
    expect(moved.headers.get('etag')).not.toBe(etag);

    const one = await import('@/app/api/admin/sessions/[ref]/live/route');
    const ref = sessionRef(sessionId);
    const before = await transcriptVersion(db, sessionId);
    await stack.send(sessionId, 'Another turn');
    expect(await transcriptVersion(db, sessionId)).not.toBe(before);
    expect((await one.GET(adminRequest(`/api/admin/sessions/${ref}/live`, { cookie }), routeContext({ ref }))).status).toBe(200);
    expect((await one.GET(adminRequest('/api/admin/sessions/c_aaaaaaaaaaaaaaaa/live', { cookie }), routeContext({ ref: 'c_aaaaaaaaaaaaaaaa' }))).status).toBe(404);

    // What a poll costs the server (query + hashing), printed for docs/admin.md.
    const started = performance.now();
    for (let i = 0; i < 50; i++) await listVersion(db);
    const listMs = (performance.now() - started) / 50;
    const startedOne = performance.now();
    for (let i = 0; i < 50; i++) await transcriptVersion(db, sessionId);
    const oneMs = (performance.now() - startedOne) / 50;
    console.info(`[live] list version ${listMs.toFixed(2)} ms, transcript version ${oneMs.toFixed(2)} ms per poll`);
    expect(listMs).toBeLessThan(50);
  });
});
