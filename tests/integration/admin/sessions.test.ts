import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeCursor } from '@/lib/admin/cursor';
import { parseListFilters, type ListFilters } from '@/lib/admin/filters';
import { MARK_END, MARK_START, splitMarked } from '@/lib/admin/highlight';
import { createFlag, resolveFlag } from '@/lib/admin/review';
import { listModels, listSessions, SELECTIVE_SEARCH_TURNS, type SessionListPage } from '@/lib/admin/sessions';
import { openTranscript } from '@/lib/admin/transcript';
import { sessionRef } from '@/lib/session-ref';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import type { TestStack } from '../../support/stack';
import { createAdminStack, database, insertSessions, makeAgent } from './helpers';

let stack: TestStack;
let db: Database;
let agent: AgentIdentity;

const filters = (patch: Partial<ListFilters> = {}): ListFilters => ({ ...parseListFilters({}), ...patch });

beforeAll(async () => {
  stack = await createAdminStack();
  db = await database(stack);
  agent = await makeAgent(stack, 'agent');
});
afterAll(async () => {
  await stack?.close();
});

async function walk(f: ListFilters, limit: number): Promise<{ pages: SessionListPage[]; ids: string[] }> {
  const pages: SessionListPage[] = [];
  let after = null;
  for (;;) {
    const page: SessionListPage = await listSessions(db, f, { after, limit });
    pages.push(page);
    if (!page.older) break;
    after = decodeCursor(page.older);
  }
  return { pages, ids: pages.flatMap((p) => p.rows.map((r) => r.id)) };
}

describe('keyset pagination', () => {
  it('walks newest first without gaps or repeats, ties broken by id, microseconds kept, and back again', async () => {
    // 23 sessions in January 2024; groups of four share a timestamp with microseconds, so only the
    // id separates them and a millisecond-rounded cursor would skip or repeat rows.
    const rows = Array.from({ length: 23 }, (_, i) => ({
      id: `page-${String(i).padStart(2, '0')}`,
      lastActivityAt: `2024-01-${String(10 + Math.floor(i / 4)).padStart(2, '0')}T12:00:00.123456Z`,
    }));
    await insertSessions(stack, rows);
    const expected = [...rows]
      .sort((a, b) => (a.lastActivityAt === b.lastActivityAt ? b.id.localeCompare(a.id) : b.lastActivityAt.localeCompare(a.lastActivityAt)))
      .map((r) => r.id);

    const january = filters({ from: '2024-01-01', to: '2024-01-31' });
    const forward = await walk(january, 5);
    expect(forward.ids).toEqual(expected);
    expect(forward.pages).toHaveLength(5);
    expect(forward.pages[0]?.newer).toBeNull();
    expect(forward.pages.at(-1)?.older).toBeNull();

    // Back from the last page to the first with the "newer" cursors.
    const backIds: string[][] = [];
    let page = forward.pages.at(-1);
    while (page?.newer) {
      page = await listSessions(db, january, { before: decodeCursor(page.newer), limit: 5 });
      backIds.unshift(page.rows.map((r) => r.id));
    }
    expect(backIds.flat()).toEqual(expected.slice(0, 20));
    expect(page?.newer).toBeNull();
  });

  it('treats a damaged cursor as no cursor', () => {
    expect(decodeCursor('bm90LWpzb24')).toBeNull();
    expect(decodeCursor(Buffer.from(JSON.stringify(['2024-01-01', 'x'])).toString('base64url'))).toBeNull();
    expect(decodeCursor(undefined)).toBeNull();
  });
});

describe('filters', () => {
  let normal: string;
  let failed: string;
  let fallback: string;

  beforeAll(async () => {
    normal = await stack.newSession();
    await stack.send(normal, 'Where is my parcel? It was due on Monday.');
    await stack.send(normal, 'Thanks, the tracking number is 123.');

    failed = await stack.newSession();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    stack.model.failNext('500', '500', '500');
    await stack.send(failed, 'My invoice is wrong.');

    fallback = await stack.newSession();
    await stack.send(fallback, 'Hello, I need help with a refund.');
    if (stack.bridge) {
      stack.bridge.setFault('error');
      await stack.send(fallback, 'Are you still there? Refund please.');
      stack.bridge.setFault(null);
    }
    vi.restoreAllMocks();
    await stack.query(`update turns set model = 'other-model' where session_id = $1`, [sessionRef(fallback)]);
  });

  const ids = async (f: ListFilters) => (await listSessions(db, f)).rows.map((r) => r.id);

  it('shows the columns that matter', async () => {
    const row = (await listSessions(db, filters())).rows.find((r) => r.id === sessionRef(normal));
    expect(row).toMatchObject({ turnCount: 2, errorCount: 0, memoryFallbacks: 0, openFlags: 0, match: null });
    expect(row?.lastUserText).toBe('Thanks, the tracking number is 123.');
    expect(row?.createdAt).toBeInstanceOf(Date);
  });

  it('has errors', async () => {
    expect(await ids(filters({ errors: true }))).toEqual([sessionRef(failed)]);
  });

  it('had a memory fallback', async () => {
    if (!stack.bridge) return;
    expect(await ids(filters({ fallback: true }))).toEqual([sessionRef(fallback)]);
  });

  it('model, and the models to choose from', async () => {
    expect(await ids(filters({ model: 'other-model' }))).toEqual([sessionRef(fallback)]);
    expect(await listModels(db)).toEqual(['mock-model', 'other-model']);
  });

  it('flagged: open flags only, with their count in the row', async () => {
    expect(await ids(filters({ flagged: true }))).toEqual([]);
    const flag = await createFlag(db, agent, { sessionId: normal, reason: 'wrong answer' });
    await createFlag(db, agent, { sessionId: normal, reason: 'second opinion' });
    expect(await ids(filters({ flagged: true }))).toEqual([sessionRef(normal)]);
    expect((await listSessions(db, filters({ flagged: true }))).rows[0]?.openFlags).toBe(2);
    if (flag.kind === 'ok') await resolveFlag(db, agent, flag.value.id);
    expect((await listSessions(db, filters({ flagged: true }))).rows[0]?.openFlags).toBe(1);
  });

  it('date range on last activity, both days included (UTC)', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const all = await ids(filters({ from: today, to: today }));
    expect(all).toEqual(expect.arrayContaining([normal, failed, fallback].map(sessionRef)));
    expect(await ids(filters({ to: '2024-01-31' }))).not.toContain(normal);
    expect(await ids(filters({ from: '2999-01-01' }))).toEqual([]);
  });

  it('combine', async () => {
    expect(await ids(filters({ errors: true, model: 'other-model' }))).toEqual([]);
  });

  it('from a query string: malformed values are dropped, not fatal', () => {
    expect(parseListFilters({ q: '  refund ', errors: '1', fallback: 'yes', from: '2024-13-45', to: '2024-02-01', model: '' })).toEqual({
      q: 'refund',
      from: undefined,
      to: '2024-02-01',
      errors: true,
      unfinished: false,
      fallback: false,
      flagged: false,
      model: undefined,
      memory: undefined,
      code: undefined,
      feedback: undefined,
    });
    expect(parseListFilters({ memory: 'expired', code: 'model_timeout', feedback: 'up', unfinished: '1' })).toMatchObject({
      memory: 'expired',
      code: 'model_timeout',
      feedback: 'up',
      unfinished: true,
    });
    expect(parseListFilters({ memory: 'ok', code: "x' or 1=1", feedback: 'sideways' })).toMatchObject({
      memory: undefined,
      code: undefined,
      feedback: undefined,
    });
  });
});

describe('problems, feedback, error codes and references', () => {
  let pending: string;
  let abandoned: string;
  let liked: string;
  let timedOut: string;

  beforeAll(async () => {
    pending = await stack.newSession();
    await stack.send(pending, 'This turn will look unfinished.');
    abandoned = await stack.newSession();
    await stack.send(abandoned, 'This one was abandoned.');
    // A turn that never finished, as the audit holds it: pending (still running, or its server died
    // before the drainer resolved it) or abandoned. Neither counts in error_count.
    await stack.query(`update turns set status = 'pending', assistant_text = null, completed_at = null where session_id = $1`, [sessionRef(pending)]);
    await stack.query(`update turns set status = 'abandoned', assistant_text = null where session_id = $1`, [sessionRef(abandoned)]);
    await stack.query(`update sessions set error_count = 0 where id in ($1, $2)`, [pending, abandoned]);

    liked = await stack.newSession();
    await stack.send(liked, 'Thanks, that helped a lot.');
    await stack.send(liked, 'And one more thing.');
    const likedTurns = await stack.query<{ audit_id: string }>(`select audit_id from turns where session_id = $1 order by seq`, [sessionRef(liked)]);
    await stack.query(`insert into turn_feedback (audit_id, session_id, rating) values ($1, $3, 'up'), ($2, $3, 'down')`, [
      likedTurns[0]?.audit_id,
      likedTurns[1]?.audit_id,
      liked,
    ]);

    timedOut = await stack.newSession();
    await stack.send(timedOut, 'Will time out.');
    await stack.query(`update turns set status = 'model_error', error_code = 'model_timeout' where session_id = $1`, [sessionRef(timedOut)]);
    await stack.query(`update sessions set error_count = 1 where id = $1`, [sessionRef(timedOut)]);
  });

  const refs = async (f: ListFilters) => (await listSessions(db, f)).rows.map((r) => r.ref);

  it('unfinished turns (pending, abandoned) are found by the unfinished filter, and by "has errors", with their count', async () => {
    const unfinished = await listSessions(db, filters({ unfinished: true }));
    expect(unfinished.rows.map((r) => r.id).sort()).toEqual([sessionRef(pending), sessionRef(abandoned)].sort());
    expect(unfinished.rows.map((r) => r.unfinished)).toEqual([1, 1]);
    const errors = (await listSessions(db, filters({ errors: true }))).rows.map((r) => r.id);
    expect(errors).toEqual(expect.arrayContaining([sessionRef(pending), sessionRef(abandoned), sessionRef(timedOut)]));
    expect(errors).not.toContain(liked);
  });

  it('feedback: counts in the row, and a filter per rating', async () => {
    const row = (await listSessions(db, filters({ feedback: 'up' }))).rows;
    expect(row.map((r) => r.id)).toEqual([sessionRef(liked)]);
    expect(row[0]).toMatchObject({ feedbackUp: 1, feedbackDown: 1 });
    expect((await listSessions(db, filters({ feedback: 'down' }))).rows.map((r) => r.id)).toEqual([sessionRef(liked)]);
    const transcript = await openTranscript(db, agent, liked);
    expect(transcript?.turns.map((t) => t.feedback)).toEqual(['up', 'down']);
  });

  it('error code, limited to turns inside the date range when one is given', async () => {
    expect((await listSessions(db, filters({ code: 'model_timeout' }))).rows.map((r) => r.id)).toEqual([sessionRef(timedOut)]);
    const today = new Date().toISOString().slice(0, 10);
    expect((await listSessions(db, filters({ code: 'model_timeout', from: today, to: today }))).rows.map((r) => r.id)).toEqual([sessionRef(timedOut)]);
    expect((await listSessions(db, filters({ code: 'model_timeout', to: '2020-01-01' }))).rows).toEqual([]);
  });

  it('rows carry the reference, and a reference in the search box finds its conversation', async () => {
    expect(await refs(filters({ q: sessionRef(liked) }))).toEqual([sessionRef(liked)]);
    expect(await refs(filters({ q: 'c_aaaaaaaaaaaaaaaa' }))).toEqual([]);
    const [stored] = await stack.query<{ ref: string }>(`select ref from sessions where id = $1`, [sessionRef(liked)]);
    expect(stored?.ref).toBe(sessionRef(liked));
  });
});

describe('full-text search', () => {
  it('finds a session by a word from its transcript (stemmed), with the newest matching turn highlighted', async () => {
    const sessionId = await stack.newSession();
    await stack.send(sessionId, 'My xylophone arrived with a cracked key.');
    await stack.send(sessionId, 'Can I get a replacement <b>quickly</b>?');
    const other = await stack.newSession();
    await stack.send(other, 'Nothing to see here.');

    const page = await listSessions(db, filters({ q: 'xylophones' }));
    expect(page.rows.map((r) => r.id)).toEqual([sessionRef(sessionId)]);
    const match = page.rows[0]?.match;
    expect(match?.count).toBe(1);
    // The mock model echoes the customer, so the word is marked on both sides of the turn.
    const marked = splitMarked(match?.snippet ?? '').filter((p) => p.match).map((p) => p.text);
    expect(marked.length).toBeGreaterThan(0);
    expect(new Set(marked)).toEqual(new Set(['xylophone']));
    expect(match?.snippet).toContain('Customer: My ');

    // Quoted phrases and exclusions follow web-search syntax.
    expect((await listSessions(db, filters({ q: '"cracked key"' }))).rows.map((r) => r.id)).toEqual([sessionRef(sessionId)]);
    expect((await listSessions(db, filters({ q: 'xylophone -cracked' }))).rows).toEqual([]);
    // Only stop words: nothing matches, nothing breaks.
    expect((await listSessions(db, filters({ q: 'the and' }))).rows).toEqual([]);
  });

  it('a control character typed by a customer cannot fake a highlight', async () => {
    await insertSessions(stack, [{ id: 'marker-test', lastActivityAt: '2024-02-01T00:00:00.000000Z' }]);
    await stack.query(
      `insert into turns (audit_id, session_id, seq, user_text, assistant_text, status, memory_status, model,
         context_audit_ids, prompt_messages, prompt_hash, created_at)
       values (gen_random_uuid(), 'marker-test', 1, $1, 'ok', 'ok', 'new', 'mock-model', '[]', '[]', 'x', now())`,
      [`fake ${MARK_START}highlight${MARK_END} and a real quokka`],
    );
    const page = await listSessions(db, filters({ q: 'quokka' }));
    const parts = splitMarked(page.rows[0]?.match?.snippet ?? '');
    expect(parts.filter((p) => p.match).map((p) => p.text)).toEqual(['quokka']);
  });

  it('answers a broad search (more than the selective threshold) by walking sessions, with the same results', async () => {
    // Enough matching turns to cross SELECTIVE_SEARCH_TURNS, in 400 sessions of 2023.
    await stack.query(
      `insert into sessions (id, created_at, last_activity_at, turn_count, first_memory_status, last_memory_status)
       select 'broad-' || lpad(g::text, 4, '0'), timestamptz '2023-06-01' + g * interval '1 minute',
              timestamptz '2023-06-01' + g * interval '1 minute' + interval '5 minutes', 0, 'new', 'ok'
       from generate_series(1, 400) g`,
    );
    const perSession = Math.ceil((SELECTIVE_SEARCH_TURNS + 1) / 400) + 1;
    await stack.query(
      `insert into turns (audit_id, session_id, seq, user_text, assistant_text, status, memory_status, model,
         context_audit_ids, prompt_messages, prompt_hash, created_at)
       select gen_random_uuid(), 'broad-' || lpad(g::text, 4, '0'), t,
              case when g % 2 = 0 then 'my walrus is late' else 'my walrus and a narwhal' end, 'ok', 'ok', 'ok', 'mock-model',
              '[]', '[]', 'x', timestamptz '2023-06-01' + g * interval '1 minute'
       from generate_series(1, 400) g, generate_series(1, ${perSession}) t`,
    );
    const broad = await walk(filters({ q: 'walrus', from: '2023-01-01', to: '2023-12-31' }), 50);
    expect(broad.ids).toHaveLength(400);
    expect(broad.ids[0]).toBe('broad-0400');
    expect(new Set(broad.ids).size).toBe(400);
    expect(broad.pages[0]?.rows[0]?.match?.count).toBe(perSession);

    // "narwhal" matches half as many turns: below the threshold, so the index-first plan answers.
    const selective = await walk(filters({ q: 'narwhal', from: '2023-01-01', to: '2023-12-31' }), 50);
    expect(selective.ids).toEqual(broad.ids.filter((id) => Number(id.slice(-4)) % 2 === 1));
  });
});
