import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteSession } from '@/lib/admin/delete';
import { loadOverview } from '@/lib/admin/overview';
import { recountOverview } from '@/lib/admin/overview-recount';
import { parsePeriod, type Period } from '@/lib/admin/period';
import { runRetention } from '@/lib/admin/retention';
import { abandonUnfinished } from '@/lib/audit/abandon';
import { FileAuditOutbox } from '@/lib/audit/outbox';
import { PostgresAuditSink } from '@/lib/audit/sink';
import type { AuditEntry, TurnRecord } from '@/lib/audit/types';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import { sessionRef } from '@/lib/session-ref';
import type { TestStack } from '../../support/stack';
import { createAdminStack, database, makeAgent } from './helpers';

/**
 * The overview's rollup (turn_hours, turn_latency_days; drizzle/0008) against a recount from the
 * turns after every way turns and ratings change: chat turns (the drain sink on the services stack,
 * the direct writer on the embedded one), the direct writer, the outbox file's replay, sink batches
 * applied twice, resends, voided attempts, ratings before and after their turn, abandoned turns,
 * hand-written updates, retention and an admin's deletion.
 */

let stack: TestStack;
let db: Database;
let admin: AgentIdentity;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const midnight = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
/** An instant `days` UTC days before today's midnight, plus `hours` (today's hours may lie ahead: fine for the audit). */
const at = (days: number, hours = 10, minutes = 0) => new Date(midnight - days * DAY + hours * HOUR + minutes * 60_000).toISOString();
const prices = { 'mock-model': { input: 1, output: 2 }, 'model-b': { input: 3, output: 4 } };

function record(sessionId: string, createdAt: string, overrides: Partial<TurnRecord> = {}): TurnRecord {
  return {
    auditId: randomUUID(),
    sessionId,
    messageId: null,
    userText: 'Where is my parcel?',
    assistantText: 'On its way.',
    status: 'ok',
    memoryStatus: 'ok',
    errorCode: null,
    errorClass: null,
    model: 'mock-model',
    promptTokens: 120,
    completionTokens: 30,
    ttftMs: 200,
    totalMs: 900,
    contextAuditIds: [],
    promptMessages: [{ role: 'user', content: 'Where is my parcel?' }],
    createdAt,
    completedAt: createdAt,
    client: { userAgent: 'tests', ipHash: null, origin: null },
    ...overrides,
  };
}

const final = (r: TurnRecord, seq: number | null): AuditEntry => ({ kind: 'final', seq, record: r });
const pending = (r: TurnRecord, seq: number | null): AuditEntry => ({
  kind: 'pending',
  seq,
  record: { ...r, status: 'pending', assistantText: null, ttftMs: null, totalMs: null, promptTokens: null, completionTokens: null, completedAt: null },
});

function periods(): Period[] {
  return [
    parsePeriod({ period: 'today' }),
    parsePeriod({ period: '7d' }),
    parsePeriod({ period: '30d' }),
    parsePeriod({ period: 'custom', from: dayOf(45), to: dayOf(0) }),
    parsePeriod({ period: 'custom', from: dayOf(3), to: dayOf(3) }),
  ];
}
const dayOf = (days: number) => new Date(midnight - days * DAY).toISOString().slice(0, 10);

/** The rollup's rows against the same figures grouped from every turn and rating (any hour, not only a period's). */
const HOUR_FIGURES = `
  count(*)::int as turns, count(*) filter (where t.status = 'model_error')::int as errors,
  count(*) filter (where t.memory_status = 'expired')::int as expired,
  count(*) filter (where t.memory_status = 'unavailable')::int as unavailable,
  count(*) filter (where t.status in ('pending', 'abandoned'))::int as unfinished,
  coalesce(sum(t.prompt_tokens), 0)::int as prompt_tokens, coalesce(sum(t.completion_tokens), 0)::int as completion_tokens,
  count(*) filter (where f.rating = 'up')::int as rated_up, count(*) filter (where f.rating = 'down')::int as rated_down`;

async function expectExact(step: string): Promise<void> {
  for (const period of periods()) {
    const [rollup, recount] = [await loadOverview(db, period, prices), await recountOverview(db, period, prices)];
    expect(rollup, `${step}: ${period.kind} ${period.from}..${period.to}`).toEqual(recount);
  }
  const rollupRows = await stack.query(
    `select to_char(hour at time zone 'UTC', 'YYYY-MM-DD HH24') as hour, model, error_code, turns, errors, expired, unavailable,
       unfinished, prompt_tokens::int, completion_tokens::int, rated_up, rated_down
     from turn_hours order by 1, 2, 3`,
  );
  const recountRows = await stack.query(
    `select to_char(date_trunc('hour', t.created_at at time zone 'UTC'), 'YYYY-MM-DD HH24') as hour, t.model,
       case when t.status = 'model_error' then coalesce(t.error_code, 'unknown') else '' end as error_code, ${HOUR_FIGURES}
     from turns t left join turn_feedback f on f.audit_id = t.audit_id group by 1, 2, 3 order by 1, 2, 3`,
  );
  expect(rollupRows, `${step}: turn_hours`).toEqual(recountRows);
}

/** The whole-period figures a reader of the page would see first. */
async function totals() {
  const overview = await loadOverview(db, parsePeriod({ period: 'custom', from: dayOf(45), to: dayOf(0) }), prices);
  return { ...overview.totals, feedback: overview.feedback };
}

beforeAll(async () => {
  stack = await createAdminStack();
  db = await database(stack);
  admin = await makeAgent(stack, 'admin');
});
afterAll(async () => {
  await stack?.close();
});

describe(`the overview's rollup equals a recount (${process.env.TETHER_TEST_STACK ?? 'services'} stack)`, () => {
  const sink = () => new PostgresAuditSink(async () => db, { redact: 'off' });
  const rate = (auditId: string, sessionId: string, rating: 'up' | 'down') =>
    stack.query(
      `insert into turn_feedback (audit_id, session_id, rating) values ($1, $2, $3)
       on conflict (audit_id) do update set rating = excluded.rating, updated_at = now()`,
      [auditId, sessionRef(sessionId), rating],
    );

  it('after chat turns, the direct writer, the outbox replay and sink batches (twice), with ratings before and after their turn', async () => {
    await expectExact('empty');
    expect(await totals()).toMatchObject({ turns: 0, conversations: 0 });

    // Chat turns through the app: the Redis stream and the drainer's sink, or the direct writer.
    const chat = await stack.newSession();
    const ok = await stack.send(chat, 'Hello, I need help with an order');
    stack.model.failNext('400');
    const failed = await stack.send(chat, 'Are you there?');
    expect(failed.error).toBeDefined();
    await rate(ok.meta?.auditId ?? '', chat, 'up');
    await expectExact('chat turns');

    // The direct writer: a pending entry, then its final entry (a model error), on a past day.
    const direct = `direct-${randomUUID()}`;
    const failedTurn = record(direct, at(3, 9, 15), { status: 'model_error', errorCode: 'model_timeout', assistantText: null, ttftMs: null, totalMs: 5000, memoryStatus: 'expired' });
    await stack.runtime.audit.write(pending(failedTurn, 1));
    await expectExact('direct writer: pending');
    await stack.runtime.audit.write(final(failedTurn, 1));
    const okTurn = record(direct, at(3, 9, 40), { memoryStatus: 'unavailable', ttftMs: 350, totalMs: 1200 });
    await stack.runtime.audit.write(final(okTurn, 2));
    // Rated before its turn reaches Postgres (the rating route asks memory first): counted once it does.
    const early = record(direct, at(3, 23, 59), { model: 'model-b', errorCode: '', status: 'model_error' });
    await rate(early.auditId, direct, 'down');
    await expectExact('direct writer: rating before its turn');
    await stack.runtime.audit.write(final(early, 3));
    await expectExact('direct writer');
    expect((await totals()).feedback).toEqual({ up: 1, down: 1 });

    // The outbox file, replayed by the drainer: numbered and unnumbered (placed by Postgres) turns.
    const outbox = new FileAuditOutbox(stack.runtime.config.dataDir);
    const replayed = `outbox-${randomUUID()}`;
    const first = record(replayed, at(10, 0, 0), { promptTokens: 1000, completionTokens: 500 });
    const unnumbered = record(replayed, at(10, 0, 30), { memoryStatus: 'unavailable' });
    const stillPending = record(replayed, at(12, 14), {});
    outbox.push(final(first, 1));
    outbox.push(final(unnumbered, null));
    outbox.push(pending(stillPending, 2));
    await stack.runtime.drainer.drainUntilEmpty();
    expect(await stack.query('select 1 from turns where session_id = $1', [sessionRef(replayed)])).toHaveLength(3);
    await expectExact('outbox replay');

    // A sink batch with a pending and a final entry of the same turn, a resend under another audit
    // id and a voided attempt; then the same batch again, as after a drainer crash.
    const batched = `batch-${randomUUID()}`;
    const a = record(batched, at(1, 23, 30), { messageId: 'm-1', model: 'model-b', ttftMs: 90, totalMs: 400 });
    const resend = record(batched, at(1, 23, 31), { messageId: 'm-1', model: 'model-b' });
    const voided = record(batched, at(1, 23, 32));
    const b = record(batched, at(2, 0, 5), { status: 'aborted', memoryStatus: 'expired', ttftMs: 120, totalMs: 180 });
    const batch: AuditEntry[] = [
      pending(a, 1),
      final(a, 1),
      final(resend, 2),
      pending(voided, 3),
      final(b, 4),
      { kind: 'void', seq: null, record: { auditId: voided.auditId, sessionId: batched } },
    ];
    await sink().apply(batch);
    await expectExact('sink batch');
    const before = await totals();
    await sink().apply(batch);
    expect(await totals()).toEqual(before);
    await expectExact('sink batch applied twice');
    // A pending row written on its own, then voided (the attempt was a resend).
    const lone = record(batched, at(1, 5));
    await sink().apply([pending(lone, 5)]);
    await sink().apply([{ kind: 'void', seq: null, record: { auditId: lone.auditId, sessionId: batched } }]);
    await expectExact('voided pending row');

    // Ratings changed and taken back (the route's upsert and delete).
    await rate(a.auditId, batched, 'up');
    await rate(a.auditId, batched, 'down');
    await rate(okTurn.auditId, direct, 'up');
    await stack.query('delete from turn_feedback where audit_id = $1', [okTurn.auditId]);
    await expectExact('ratings changed');

    const figures = await totals();
    expect(figures.turns).toBeGreaterThanOrEqual(9);
    expect(figures.errors).toBeGreaterThanOrEqual(3);
    expect(figures.unfinished).toBe(1);
    expect(figures.feedback).toEqual({ up: 1, down: 2 });
  });

  it('after abandoned turns, hand-written updates, retention and an admin deletion', async () => {
    const session = `later-${randomUUID()}`;
    const old = record(session, at(40, 8), { ttftMs: 700, totalMs: 2100 });
    const stuck = record(session, at(5, 8, 1));
    const moved = record(session, at(5, 8, 2), { ttftMs: 10, totalMs: 20 });
    await sink().apply([final(old, 1), pending(stuck, 2), final(moved, 3)]);
    await stack.query(
      `insert into turn_feedback (audit_id, session_id, rating) values ($1, $3, 'up'), ($2, $3, 'down')`,
      [old.auditId, moved.auditId, sessionRef(session)],
    );
    await expectExact('setup');

    expect(await abandonUnfinished(db, { leasesHeld: async () => new Set() }, { olderThanMs: 60_000, limit: 100 })).toBeGreaterThanOrEqual(1);
    await expectExact('abandoned');

    // Any other change to the counted columns: another hour and day, model, latency, tokens.
    await stack.query(
      `update turns set created_at = created_at + interval '26 hours', model = 'model-b', ttft_ms = 15, completion_tokens = 99
       where audit_id = $1`,
      [moved.auditId],
    );
    await expectExact('moved by hand');

    // Retention (30 days): the 40-day-old turn goes, its rating stays behind without a turn.
    const report = await runRetention(db, admin, 30);
    expect(report.turns).toBeGreaterThanOrEqual(1);
    await expectExact('retention');

    // An admin deletes a conversation: its turns go with the session row (ON DELETE CASCADE).
    const chat = await stack.newSession();
    const sent = await stack.send(chat, 'Please delete my data');
    await stack.query(`insert into turn_feedback (audit_id, session_id, rating) values ($1, $2, 'up')`, [sent.meta?.auditId, sessionRef(chat)]);
    await expectExact('before deletion');
    const withChat = await totals();
    expect(await deleteSession(db, stack.runtime.memory, admin, sessionRef(chat))).toEqual({ kind: 'deleted', turns: 1 });
    expect((await totals()).turns).toBe(withChat.turns - 1);
    expect((await totals()).feedback.up).toBe(withChat.feedback.up - 1);
    await expectExact('admin deletion');
    // No hour is kept for turns that are gone.
    expect(await stack.query('select 1 from turn_hours where turns = 0')).toEqual([]);
  });

  it('keeps the latency of past days until their turns change, then recomputes', async () => {
    const session = `latency-${randomUUID()}`;
    const turns = [100, 300, 500, 700].map((ttft, i) => record(session, at(20, 4, i), { ttftMs: ttft, totalMs: ttft * 3 }));
    await sink().apply(turns.map((r, i) => final(r, i + 1)));
    const period = parsePeriod({ period: 'custom', from: dayOf(20), to: dayOf(20) });
    const week = parsePeriod({ period: 'custom', from: dayOf(21), to: dayOf(19) });
    const p50 = async () => (await loadOverview(db, week, prices)).buckets[1]?.ttftP50;
    expect(await p50()).toBe(400);
    const [cached] = await stack.query<{ fresh: boolean }>(
      `select computed = changes as fresh from turn_latency_days where day = $1::date`,
      [dayOf(20)],
    );
    expect(cached?.fresh).toBe(true);
    await stack.query('update turns set ttft_ms = 1000 where audit_id = $1', [turns[0]?.auditId]);
    expect(await p50()).toBe(600);
    await stack.query('delete from turns where audit_id = $1', [turns[3]?.auditId]);
    expect(await p50()).toBe(500);
    expect((await loadOverview(db, period, prices)).buckets[4]?.ttftP50).toBe(500);
    await expectExact('latency');
  });
});

describe("the migration's backfill", () => {
  it('gives the rollup the triggers kept, from the turns and ratings already there', async () => {
    const migration = readFileSync(path.join(process.cwd(), 'drizzle', '0008_overview_rollup.sql'), 'utf8');
    const backfill = migration
      .split('--> statement-breakpoint')
      .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
      .filter((statement) => /^INSERT INTO turn_(hours|latency_days)\b/.test(statement));
    expect(backfill).toHaveLength(2);
    const rows = () => stack.query('select * from turn_hours order by hour, model, error_code');
    const period = parsePeriod({ period: 'custom', from: dayOf(45), to: dayOf(0) });
    const [kept, keptOverview] = [await rows(), await loadOverview(db, period, prices)];
    expect(kept.length).toBeGreaterThan(5);
    await stack.query('delete from turn_hours');
    await stack.query('delete from turn_latency_days');
    for (const statement of backfill) await stack.query(statement);
    expect(await rows()).toEqual(kept);
    expect(await loadOverview(db, period, prices)).toEqual(keptOverview);
    await expectExact('backfill');
  });
});

// Two connections at once: the embedded PGlite has one, so this runs on Postgres only (and is not
// registered on the embedded stack, rather than reported as skipped).
if (process.env.TETHER_TEST_STACK !== 'embedded') {
describe('a turn and its rating written at the same time (Postgres)', () => {
  it('count the rating once, whichever transaction commits first', async () => {
    const url = stack.database?.url ?? '';
    const one = postgres(url, { max: 1, onnotice: () => {} });
    const two = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const session = `race-${randomUUID()}`;
      await stack.query(
        `insert into sessions (id, ref, created_at, last_activity_at, first_memory_status, last_memory_status)
         values ($1, $1, now(), now(), 'new', 'new')`,
        [session],
      );
      const insertTurn = (sql: postgres.Sql, auditId: string, seq: number) =>
        sql`insert into turns (audit_id, session_id, seq, user_text, status, memory_status, model, context_audit_ids,
              prompt_messages, prompt_hash, created_at)
            values (${auditId}, ${session}, ${seq}, 'q', 'ok', 'ok', 'race-model', '[]', '[]', 'x', ${at(2, 12)})`;
      const insertRating = (sql: postgres.Sql, auditId: string) =>
        sql`insert into turn_feedback (audit_id, session_id, rating) values (${auditId}, ${session}, 'up')`;
      const stillWaiting = async (work: Promise<unknown>) =>
        (await Promise.race([work.then(() => false), new Promise((resolve) => setTimeout(() => resolve(true), 300))])) as boolean;

      // The turn's transaction first; the rating's waits for its commit.
      const first = randomUUID();
      await one`begin`;
      await insertTurn(one, first, 1);
      await two`begin`;
      const rating = insertRating(two, first).execute();
      expect(await stillWaiting(rating)).toBe(true);
      await one`commit`;
      await rating;
      await two`commit`;

      // The rating's transaction first; the turn's waits for its commit.
      const second = randomUUID();
      await two`begin`;
      await insertRating(two, second);
      await one`begin`;
      const turn = insertTurn(one, second, 2).execute();
      expect(await stillWaiting(turn)).toBe(true);
      await two`commit`;
      await turn;
      await one`commit`;

      const [row] = await stack.query<{ up: number }>(`select sum(rated_up)::int as up from turn_hours where model = 'race-model'`);
      expect(row?.up).toBe(2);
      await expectExact('concurrent writes');
    } finally {
      await one.end({ timeout: 5 });
      await two.end({ timeout: 5 });
    }
  });
});
}
