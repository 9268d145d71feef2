import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_VIEW_THROTTLE_MS } from '@/lib/auth/access-log';
import { decodeCursor, encodeCursor } from '@/lib/admin/cursor';
import { parseListFilters, readListFilters, type ListFilters } from '@/lib/admin/filters';
import { loadOverview } from '@/lib/admin/overview';
import { parsePeriod } from '@/lib/admin/period';
import { listSessions, refPrefixCondition } from '@/lib/admin/sessions';
import { getTranscript } from '@/lib/admin/transcript';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import { accessLog, sessions } from '@/lib/db/schema';
import { setLogSink } from '@/lib/observability/log';
import { sessionRef } from '@/lib/session-ref';
import type { TestStack } from '../../support/stack';
import { adminRequest, cookieFor, createAdminStack, database, makeAgent, routeContext } from './helpers';

/**
 * Issue 18 (points 8 and 10, and the console's rough edges): no query string gives a 5xx, refused
 * attempts and plain list views are in the access log, a customer's Stop is no error anywhere, and
 * a partial reference finds its conversation.
 */

let stack: TestStack;
let db: Database;
let admin: AgentIdentity;
let agent: AgentIdentity;
let stopped: string;
let failed: string;
let fine: string;

const filters = (patch: Partial<ListFilters> = {}): ListFilters => ({ ...parseListFilters({}), ...patch });

beforeAll(async () => {
  stack = await createAdminStack();
  db = await database(stack);
  admin = await makeAgent(stack, 'admin');
  agent = await makeAgent(stack, 'agent');
  stopped = await stack.newSession();
  await stack.send(stopped, 'Please stop, I found it myself.');
  failed = await stack.newSession();
  await stack.send(failed, 'This one will time out.');
  fine = await stack.newSession();
  await stack.send(fine, 'An ordinary question.');
  // As the audit holds them (keyed by reference): the drainer counts model errors only into
  // sessions.error_count (lib/audit/sink.ts; tests/integration/postgres/hostile-text.test.ts stops a real turn).
  await stack.query(`update turns set status = 'aborted', error_code = null where session_id = $1`, [sessionRef(stopped)]);
  await stack.query(`update turns set status = 'model_error', error_code = 'model_timeout' where session_id = $1`, [sessionRef(failed)]);
  await stack.query(`update sessions set error_count = 1 where id = $1`, [sessionRef(failed)]);
});
afterAll(async () => {
  await stack?.close();
});

describe("a customer's Stop is not an error", () => {
  it('the list, its "has problems" filter, the transcript, the export and the overview agree', async () => {
    const rows = (await listSessions(db, filters())).rows;
    const errorsOf = (id: string) => rows.find((row) => row.ref === sessionRef(id))?.errorCount;
    expect(errorsOf(stopped)).toBe(0);
    expect(errorsOf(failed)).toBe(1);

    const problems = (await listSessions(db, filters({ errors: true }))).rows.map((row) => row.ref);
    expect(problems).toContain(sessionRef(failed));
    expect(problems).not.toContain(sessionRef(stopped));

    expect((await getTranscript(db, stopped))?.session.errorCount).toBe(0);
    expect((await getTranscript(db, failed))?.session.errorCount).toBe(1);

    const cookie = await cookieFor(stack, agent);
    const list = await import('@/app/api/admin/export/route');
    const jsonl = await list.GET(adminRequest(`/api/admin/export?format=jsonl&q=${sessionRef(stopped)}`, { cookie }), routeContext({}));
    const [sessionLine] = (await jsonl.text()).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(sessionLine).toMatchObject({ type: 'session', ref: sessionRef(stopped), errorCount: 0 });

    const overview = await loadOverview(db, parsePeriod({ period: 'today' }), {});
    const listed = rows.reduce((sum, row) => sum + row.errorCount, 0);
    expect(overview.totals.errors).toBe(1);
    expect(listed).toBe(overview.totals.errors);
  });
});

describe('a partial reference finds its conversation', () => {
  it('by a prefix of at least c_ and 4 characters, in any case; shorter is a word search', async () => {
    const ref = sessionRef(fine);
    const found = async (q: string) => (await listSessions(db, filters({ q }))).rows.map((row) => row.ref);
    expect(await found(ref.slice(0, 6))).toContain(ref);
    expect(await found(ref.slice(0, 10).toUpperCase())).toContain(ref);
    expect(await found(ref)).toEqual([ref]);
    for (const id of [stopped, failed]) {
      const other = sessionRef(id);
      if (!other.startsWith(ref.slice(0, 6))) expect(await found(ref.slice(0, 6))).not.toContain(other);
    }
    expect(await found('c_zz')).toEqual([]);
  });

  it('is answered from the unique index on sessions.ref (no sequential scan)', async () => {
    const plan = await db.transaction(async (tx) => {
      // Three rows make a sequential scan cheapest; forbid it to see whether the index can serve the condition at all.
      await tx.execute(sql`set local enable_seqscan = off`);
      const query = tx.select({ id: sessions.id }).from(sessions).where(refPrefixCondition('c_lqm2')).toSQL();
      const raw = await tx.execute(sql.raw(`explain ${query.sql.replace(/\$(\d+)/g, (_, n: string) => `'${String(query.params[Number(n) - 1])}'`)}`));
      const rows = (Array.isArray(raw) ? raw : (raw as { rows: unknown[] }).rows) as Record<string, string>[];
      return rows.map((row) => Object.values(row)[0]).join('\n');
    });
    expect(plan).toMatch(/Index (Only )?Scan using sessions_ref_uq/);
    expect(plan).not.toMatch(/Seq Scan/);
  });
});

describe('query strings are checked, never a 500', () => {
  it('days outside 2000-01-01 … tomorrow, impossible days and from after to are named, not used', () => {
    const { filters: out, problems } = readListFilters({ from: '0000-01-01', to: '9999-12-31' });
    expect(out.from).toBeUndefined();
    expect(out.to).toBeUndefined();
    expect(problems).toEqual([expect.stringMatching(/^from: must be between 2000-01-01 and /), expect.stringMatching(/^to: must be between/)]);
    expect(readListFilters({ from: '2024-02-30' }).problems).toEqual(['from: is not a real date.']);
    const swapped = readListFilters({ from: '2024-05-02', to: '2024-05-01' });
    expect(swapped.filters).toMatchObject({ from: undefined, to: undefined });
    expect(swapped.problems[0]).toMatch(/from \(2024-05-02\) is after to \(2024-05-01\)/);
    expect(readListFilters({ memory: 'ok', feedback: 'sideways', errors: 'yes' }).problems).toHaveLength(3);
    expect(readListFilters({ from: '2024-05-01', to: '2024-05-02', memory: 'expired' }).problems).toEqual([]);
  });

  it("the overview's custom days: out of range falls back to 7 days and says why", () => {
    const period = parsePeriod({ period: 'custom', from: '0000-01-01', to: '9999-12-31' });
    expect(period.kind).toBe('7d');
    expect(period.problem).toMatch(/^From must be between 2000-01-01 and .*: showing the last 7 days instead\.$/);
    expect(parsePeriod({ period: 'custom', from: '2024-01-01', to: '2024-01-02' }).problem).toBeUndefined();
  });

  it('a cursor naming year 0, month 13 or a control character is no cursor', async () => {
    expect(decodeCursor(encodeCursor({ at: '0000-01-01T00:00:00.000000Z', id: 'x' }))).toBeNull();
    expect(decodeCursor(encodeCursor({ at: '2024-13-45T00:00:00.000000Z', id: 'x' }))).toBeNull();
    expect(decodeCursor(encodeCursor({ at: '2024-01-01T00:00:00.000000Z', id: 'a\u0000b' }))).toBeNull();
    const good = { at: '2024-01-01T00:00:00.123456Z', id: 's1.abc' };
    expect(decodeCursor(encodeCursor(good))).toEqual(good);
  });

  it('the export refuses a bad filter with 400 before anything streams (JSON, not a cut CSV or an empty JSONL)', async () => {
    const cookie = await cookieFor(stack, agent);
    const list = await import('@/app/api/admin/export/route');
    for (const query of ['to=0000-01-01', 'to=9999-12-31', 'from=2024-05-02&to=2024-05-01', 'memory=ok', 'from=nonsense']) {
      for (const format of ['csv', 'jsonl']) {
        const response = await list.GET(adminRequest(`/api/admin/export?format=${format}&${query}`, { cookie }), routeContext({}));
        expect(response.status, query).toBe(400);
        expect(response.headers.get('content-type')).toMatch(/application\/json/);
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('invalid_request');
        expect(body.error.message.length).toBeGreaterThan(10);
      }
    }
    const csv = await list.GET(adminRequest('/api/admin/export?format=csv&from=2000-01-01', { cookie }), routeContext({}));
    expect(csv.status).toBe(200);
    const text = await csv.text();
    expect(text.split('\r\n').filter(Boolean).length).toBeGreaterThan(1);
  });

  it('an unknown body field is unknown_field, named', async () => {
    const cookie = await cookieFor(stack, agent);
    const flags = await import('@/app/api/admin/flags/route');
    const response = await flags.POST(
      adminRequest('/api/admin/flags', { method: 'POST', cookie, body: { session: sessionRef(fine), reason: 'x', severity: 'high' } }),
      routeContext({}),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'unknown_field', message: 'Unknown field: "severity".' } });
  });
});

describe('refused attempts are in the access log', () => {
  const entries = async (action: 'delete_session' | 'flag' | 'agent_update' | 'retention_run', agentId: string) =>
    db.select().from(accessLog).where(and(eq(accessLog.action, action), eq(accessLog.agentId, agentId)));

  it("an agent's 403 on an admin action names what was attempted, and nothing reads as done", async () => {
    const cookie = await cookieFor(stack, agent);
    const ref = sessionRef(fine);
    const one = await import('@/app/api/admin/sessions/[ref]/route');
    const denied = await one.DELETE(adminRequest(`/api/admin/sessions/${ref}`, { method: 'DELETE', cookie, body: { confirm: ref } }), routeContext({ ref }));
    expect(denied.status).toBe(403);
    expect(await entries('delete_session', agent.id)).toEqual([
      expect.objectContaining({ sessionId: ref, detail: { refused: 'forbidden', method: 'DELETE', path: `/api/admin/sessions/${ref}` } }),
    ]);
    const retention = await import('@/app/api/admin/retention/route');
    expect((await retention.POST(adminRequest('/api/admin/retention', { method: 'POST', cookie, body: { confirm: true } }), routeContext({}))).status).toBe(403);
    expect((await entries('retention_run', agent.id)).map((e) => e.detail.refused)).toEqual(['forbidden']);
    // The session is still there.
    expect(await stack.query('select 1 from sessions where id = $1', [sessionRef(fine)])).toHaveLength(1);
  });

  it('a refused request naming a session by its id (a bearer key) logs no id, in the access log or the JSON log', async () => {
    const lines: string[] = [];
    setLogSink((line) => lines.push(line));
    try {
      const cookie = await cookieFor(stack, agent);
      const one = await import('@/app/api/admin/sessions/[ref]/route');
      const path = `/api/admin/sessions/${encodeURIComponent(fine)}`;
      expect((await one.DELETE(adminRequest(path, { method: 'DELETE', cookie, body: { confirm: fine } }), routeContext({ ref: fine }))).status).toBe(403);
      const crossSite = await one.DELETE(
        adminRequest(path, { method: 'DELETE', cookie: await cookieFor(stack, admin), fetchSite: 'cross-site', body: { confirm: fine } }),
        routeContext({ ref: fine }),
      );
      expect(crossSite.status).toBe(403);
    } finally {
      setLogSink(null);
    }
    const logged = await stack.query<{ row: string }>(`select row_to_json(a)::text as row from access_log a where detail ? 'refused'`);
    expect(logged.length).toBeGreaterThan(0);
    for (const { row } of logged) expect(row).not.toContain(fine);
    expect(lines.filter((line) => line.includes('refused')).length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).not.toContain(fine);
  });

  it('a cross-site request with a valid cookie is refused and logged', async () => {
    const cookie = await cookieFor(stack, admin);
    const flags = await import('@/app/api/admin/flags/route');
    const response = await flags.POST(
      adminRequest('/api/admin/flags', { method: 'POST', cookie, fetchSite: 'cross-site', body: { session: sessionRef(fine), reason: 'csrf' } }),
      routeContext({}),
    );
    expect(response.status).toBe(403);
    expect((await entries('flag', admin.id)).map((e) => e.detail)).toEqual([{ refused: 'cross_site', method: 'POST', path: '/api/admin/flags' }]);
    expect(await stack.query(`select 1 from flags where reason = 'csrf'`)).toHaveLength(0);
  });
});

describe('plain list views in the access log', () => {
  it('at most one entry per agent, filter set and page a minute', async () => {
    const count = async () =>
      (await db.select().from(accessLog).where(and(eq(accessLog.agentId, agent.id), eq(accessLog.action, 'search')))).length;
    const target = { detail: { q: null, view: 'list', sessions: [sessionRef(fine)] } };
    // The one the sessions page uses: the runtime's.
    const throttle = stack.runtime.accessLogThrottle;
    const t0 = Date.now();
    expect(await throttle.log(db, agent, 'search', target, 'errors=1', t0)).toBe(true);
    expect(await throttle.log(db, agent, 'search', target, 'errors=1', t0 + 5_000)).toBe(false);
    expect(await throttle.log(db, agent, 'search', target, 'flagged=1', t0 + 5_000)).toBe(true);
    expect(await throttle.log(db, admin, 'search', target, 'errors=1', t0 + 5_000)).toBe(true);
    expect(await count()).toBe(2);
    expect(await throttle.log(db, agent, 'search', target, 'errors=1', t0 + LIST_VIEW_THROTTLE_MS + 1)).toBe(true);
    expect(await count()).toBe(3);
  });
});

/**
 * Hostile query strings against every admin GET route: each answer is below 500, a 4xx is the
 * JSON error shape, and a 200 CSV export has its header.
 */
const HOSTILE = [
  'to=0000-01-01',
  'to=9999-12-31',
  'from=0000-01-01&to=0000-01-02',
  'from=2024-05-02&to=2024-05-01',
  'from=garbage&to=%FF',
  'from=2024-02-30',
  'from=99999-01-01',
  'from=-001-01-01',
  'from=2024-1-1',
  `from=${'9'.repeat(400)}`,
  'errors=2&unfinished=maybe&fallback=%20&flagged=on',
  'memory=ok',
  'memory=expired&memory=nonsense',
  'feedback=sideways',
  "code=%27%3B--",
  `code=${'a'.repeat(65)}`,
  `model=${'x'.repeat(5000)}`,
  `q=${'a'.repeat(10_000)}`,
  'q=%22%22%22',
  'q=-',
  'q=or',
  'q=!!!%20%26%7C%3A*',
  'q=%5C',
  'q=(((',
  "q=a'b:*",
  'q=c_aaaa',
  'q=C_AAAAAAAAAAAAAAAA',
  'q=c_',
  'q=%F0%9F%98%80',
  'q=%ED%A0%80',
  'q=%E0%A4%A',
  'q=%',
  'format=xml',
  'notes=2',
  'format=csv&format=jsonl&notes=1&notes=0',
  'after=garbage',
  `after=${Buffer.from(JSON.stringify(['0000-01-01T00:00:00.000000Z', 'x'])).toString('base64url')}`,
  `before=${Buffer.from(JSON.stringify(['2024-13-45T99:99:99.000000Z', 'x'])).toString('base64url')}`,
  `after=${'A'.repeat(100_000)}`,
  'period=custom&from=0000-01-01&to=9999-12-31',
  'before=1e400&action=drop_table&session=%27&agent=not-a-uuid',
  '%ZZ=1&=&&&=x',
  'constructor=1&__proto__=1&toString=1',
];

/** NUL in text parameters: stored and searched in the lossless form of lib/db/text.ts. */
const NUL_HOSTILE = ['q=%00', 'q=a%00b', 'model=%00', 'code=%00'];

describe('hostile query strings on the admin API: no 5xx', () => {
  let cookie: string;
  let ref: string;
  let auditId: string;
  beforeAll(async () => {
    cookie = await cookieFor(stack, agent);
    ref = sessionRef(fine);
    const [turn] = await stack.query<{ audit_id: string }>('select audit_id from turns where session_id = $1', [sessionRef(fine)]);
    auditId = turn?.audit_id ?? '';
  });

  async function sweep(queries: string[]) {
    const list = await import('@/app/api/admin/export/route');
    const one = await import('@/app/api/admin/sessions/[ref]/export/route');
    const liveList = await import('@/app/api/admin/sessions/live/route');
    const liveOne = await import('@/app/api/admin/sessions/[ref]/live/route');
    const prompt = await import('@/app/api/admin/turns/[auditId]/prompt/route');
    const failures: string[] = [];
    for (const query of queries) {
      const answers: Array<[string, Response]> = [
        ['export', await list.GET(adminRequest(`/api/admin/export?${query}`, { cookie }), routeContext({}))],
        ['session export', await one.GET(adminRequest(`/api/admin/sessions/${ref}/export?${query}`, { cookie }), routeContext({ ref }))],
        ['live', await liveList.GET(adminRequest(`/api/admin/sessions/live?${query}`, { cookie }), routeContext({}))],
        ['session live', await liveOne.GET(adminRequest(`/api/admin/sessions/${ref}/live?${query}`, { cookie }), routeContext({ ref }))],
        ['prompt', await prompt.GET(adminRequest(`/api/admin/turns/${auditId}/prompt?${query}`, { cookie }), routeContext({ auditId }))],
      ];
      for (const [route, response] of answers) {
        const body = await response.text();
        if (response.status >= 500) failures.push(`${route} ?${query.slice(0, 60)} → ${response.status}`);
        else if (response.status >= 400 && !/^\{"error":\{"code":"[a-z_]+","message":".+"\}\}$/.test(body)) failures.push(`${route} ?${query.slice(0, 60)}: ${body.slice(0, 80)}`);
        // A 200 CSV starts with its header (a JSONL export of nothing is legitimately empty).
        else if (response.status === 200 && response.headers.get('content-type')?.startsWith('text/csv') && !body.startsWith('session_ref,'))
          failures.push(`${route} ?${query.slice(0, 60)}: CSV without its header`);
      }
    }
    return failures;
  }

  it(`${HOSTILE.length} query strings × 5 routes`, async () => {
    expect(await sweep(HOSTILE)).toEqual([]);
  });

  it('NUL in text parameters', async () => {
    expect(await sweep(NUL_HOSTILE)).toEqual([]);
  });

  it('hostile route parameters: 4xx, never 5xx', async () => {
    const one = await import('@/app/api/admin/sessions/[ref]/export/route');
    const prompt = await import('@/app/api/admin/turns/[auditId]/prompt/route');
    const flag = await import('@/app/api/admin/flags/[id]/route');
    const statuses: number[] = [];
    for (const bad of ['c_', 'c_AAAAAAAAAAAAAAAA', `c_${'a'.repeat(500)}`, '%00', '..', 'c_aaaaaaaaaaaaaaaa']) {
      statuses.push((await one.GET(adminRequest(`/api/admin/sessions/x/export`, { cookie }), routeContext({ ref: bad }))).status);
      statuses.push((await prompt.GET(adminRequest('/api/admin/turns/x/prompt', { cookie }), routeContext({ auditId: bad }))).status);
      const adminCookie = await cookieFor(stack, admin);
      statuses.push(
        (await flag.PATCH(adminRequest('/api/admin/flags/x', { method: 'PATCH', cookie: adminCookie, body: { resolved: true } }), routeContext({ id: bad }))).status,
      );
    }
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(new Set(statuses)).toEqual(new Set([400, 404]));
  });
});
