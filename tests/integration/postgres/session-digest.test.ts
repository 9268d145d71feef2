import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { logAccess } from '@/lib/auth/access-log';
import { addNote, createFlag } from '@/lib/admin/review';
import { openTranscript } from '@/lib/admin/transcript';
import { recordFeedback } from '@/lib/chat/feedback';
import { MIGRATIONS_FOLDER } from '@/lib/db/client';
import { PostgresDurableRecord } from '@/lib/conversation/durable';
import { auditKeys } from '@/lib/redis/keys';
import { issueSessionId } from '@/lib/session-id';
import { sessionRef } from '@/lib/session-ref';
import { database, makeAgent } from '../admin/helpers';
import { connectRedis } from '../../support/redis';
import { TEST_POSTGRES_URL } from '../../support/services';
import { sharedTestStack, STACK } from '../../support/stack';

/**
 * Issue 18, point 1: the database keeps only sessionRef(session id), never the id (a bearer key).
 * Runs on both stacks (TETHER_TEST_STACK=embedded for PGlite); the migration test runs on both drivers.
 */

type Query = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** Every text/json column of every table: where any of the ids appears. */
async function sweep(query: Query, ids: string[]): Promise<string[]> {
  const columns = (await query(
    `select table_name::text as t, column_name::text as c from information_schema.columns
     where table_schema = 'public' and data_type in ('text', 'jsonb', 'json', 'character varying') order by 1, 2`,
  )) as { t: string; c: string }[];
  expect(columns.length).toBeGreaterThan(20);
  const found: string[] = [];
  for (const { t, c } of columns) {
    const rows = (await query(`select "${c}"::text as v from "${t}" where "${c}" is not null`)) as { v: string }[];
    for (const row of rows) for (const id of ids) if (row.v.includes(id)) found.push(`${t}.${c}`);
  }
  return [...new Set(found)];
}

describe(`no session id in the database (${STACK} stack)`, () => {
  const stack = sharedTestStack({ AUTH_SECRET: randomBytes(32).toString('hex') });
  const query: Query = (text, params) => stack.query(text, params);

  it('SQL tether_session_ref() and TypeScript sessionRef() agree', async () => {
    const ids = Array.from({ length: 300 }, () => issueSessionId(randomBytes(32).toString('hex')));
    const rows = (await query('select x as id, tether_session_ref(x) as ref from unnest($1::text[]) as x', [ids])) as { id: string; ref: string }[];
    expect(rows).toHaveLength(300);
    for (const row of rows) expect(row.ref).toBe(sessionRef(row.id));
    const [again] = (await query('select tether_session_ref($1) as ref', [sessionRef(ids[0]!)])) as { ref: string }[];
    expect(again!.ref).toBe(sessionRef(ids[0]!));
  });

  it('after turns, feedback, notes, flags, a dead letter and access-log entries, no column of any table holds a session id', async () => {
    const db = await database(stack);
    const agent = await makeAgent(stack, 'admin');
    const sessionIds = [await stack.newSession(), await stack.newSession()];
    const auditIds: string[] = [];
    for (const sessionId of sessionIds) {
      // (What a customer or an agent types is kept exactly as typed, so the texts here hold no id.)
      for (const text of ['Where is my parcel?', 'It was due on Monday.']) {
        const turn = await stack.send(sessionId, text);
        expect(turn.status).toBe(200);
        auditIds.push(turn.meta!.auditId);
      }
    }
    const [first] = sessionIds;
    await recordFeedback({ db: () => database(stack), memory: stack.runtime.memory }, { sessionId: first!, auditId: auditIds[0]!, rating: 'up' });
    expect((await createFlag(db, agent, { sessionId: sessionRef(first!), auditId: auditIds[0], reason: 'wrong answer' })).kind).toBe('ok');
    expect((await addNote(db, agent, { sessionId: sessionRef(first!), auditId: null, body: 'called back' })).kind).toBe('ok');
    expect(await openTranscript(db, agent, sessionRef(first!), first)).not.toBeNull();
    await logAccess(db, agent, 'view_audit', { detail: { note: `pasted ${first}` } });

    // A dead letter: an entry the drainer cannot read (services: through the audit stream), and one
    // refused on the direct path (as the embedded default writes).
    const entry = { v: '99', k: 'final', s: '3', r: JSON.stringify({ auditId: randomUUID(), sessionId: first, userText: 'hi' }) };
    if (stack.bridge) {
      const redis = await connectRedis();
      try {
        await redis.xAdd(auditKeys(stack.runtime.config.memory.keyPrefix).stream, '*', entry);
      } finally {
        await redis.quit();
      }
      expect((await stack.runtime.drainer.drainUntilEmpty()).deadLettered).toBe(1);
    }
    await stack.runtime.deadLetters.add([{ source: 'direct', reason: `refused for ${first}`, payload: JSON.stringify(entry) }]);
    const [counted] = (await query('select count(*)::int as n from audit_dead_letters')) as { n: number }[];
    expect(Number(counted!.n)).toBe(stack.bridge ? 2 : 1);
    const [feedback] = (await query('select count(*)::int as n from turn_feedback')) as { n: number }[];
    expect(Number(feedback!.n)).toBe(1);

    expect(await sweep(query, sessionIds)).toEqual([]);
    // The references are there instead, and the admin's dead-letter view shows only them.
    const [session] = (await query('select id, ref from sessions where id = $1', [sessionRef(first!)])) as { id: string; ref: string }[];
    expect(session).toEqual({ id: sessionRef(first!), ref: sessionRef(first!) });
    const letters = await stack.runtime.deadLetters.listOpen();
    expect(letters.map((l) => l.payload).join('\n')).toContain(sessionRef(first!));
    expect(letters.map((l) => `${l.payload}${l.reason}`).join('\n')).not.toContain(first!);
    // Something that still needs the conversation finds it by reference: the durable record.
    const durable = new PostgresDurableRecord(async () => (await stack.runtime.database()).db);
    expect((await durable.lookup(first!, null)).seed.seq).toBe(2);
  });
});

/** drizzle/ up to (not including) the migration under test, in a folder of its own. */
function migrationsBefore(tag: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tether-migrations-'));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number; tag: string }[] };
  const at = journal.entries.findIndex((entry) => entry.tag.endsWith(`_${tag}`));
  expect(at).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalFile, JSON.stringify(journal));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const MIGRATION_TAG = 'session_digests';

/** Rows as the previous release wrote them: raw session ids everywhere. */
async function seedLegacyRows(query: Query, ids: [string, string]): Promise<{ auditIds: string[] }> {
  const [agent] = (await query(`insert into agents (email, role) values ('old@example.com', 'admin') returning id::text as id`)) as { id: string }[];
  // One row from before references existed (ref null), one with its reference.
  await query(
    `insert into sessions (id, ref, created_at, last_activity_at, first_memory_status, last_memory_status, turn_count)
     values ($1, null, now(), now(), 'new', 'ok', 2), ($2, $3, now(), now(), 'new', 'ok', 1)`,
    [ids[0], ids[1], sessionRef(ids[1])],
  );
  const auditIds = [randomUUID(), randomUUID(), randomUUID()];
  const turn = (auditId: string, sessionId: string, seq: number) =>
    query(
      `insert into turns (audit_id, session_id, seq, user_text, assistant_text, status, memory_status, model,
         context_audit_ids, prompt_messages, prompt_hash, created_at)
       values ($1, $2, $3, 'hello', 'hi', 'ok', 'ok', 'm', '[]'::jsonb, '[]'::jsonb, 'x', now())`,
      [auditId, sessionId, seq],
    );
  await turn(auditIds[0]!, ids[0], 1);
  await turn(auditIds[1]!, ids[0], 2);
  await turn(auditIds[2]!, ids[1], 1);
  await query(`insert into flags (session_id, audit_id, reason, agent_id) values ($1, $2, 'check', $3)`, [ids[0], auditIds[0], agent!.id]);
  await query(`insert into notes (session_id, audit_id, body, agent_id) values ($1, null, 'note', $2)`, [ids[1], agent!.id]);
  await query(`insert into turn_feedback (audit_id, session_id, rating) values ($1, $2, 'down')`, [auditIds[2], ids[1]]);
  await query(`insert into access_log (agent_email, action, session_id, detail) values ('old@example.com', 'view_session', $1, $2::jsonb)`, [
    ids[0],
    JSON.stringify({ q: ids[1], turns: 2 }),
  ]);
  const payload = JSON.stringify({ v: '2', k: 'final', s: '', r: JSON.stringify({ sessionId: ids[0], userText: 'x' }) });
  await query(`insert into audit_dead_letters (source, reason, payload) values ('stream', 'postgres 22P05', $1)`, [payload]);
  return { auditIds };
}

async function checkMigrated(query: Query, ids: [string, string]): Promise<void> {
  expect(await sweep(query, ids)).toEqual([]);
  const refs = ids.map(sessionRef);
  const sessions = (await query('select id, ref, turn_count from sessions order by turn_count desc')) as { id: string; ref: string; turn_count: number }[];
  expect(sessions).toEqual([
    { id: refs[0], ref: refs[0], turn_count: 2 },
    { id: refs[1], ref: refs[1], turn_count: 1 },
  ]);
  // Foreign keys followed: every child row points at its converted session.
  const [children] = (await query(
    `select (select count(*)::int from turns t join sessions s on s.id = t.session_id) as turns,
            (select count(*)::int from flags f join sessions s on s.id = f.session_id) as flags,
            (select count(*)::int from notes n join sessions s on s.id = n.session_id) as notes,
            (select count(*)::int from turn_feedback f join sessions s on s.id = f.session_id) as feedback,
            (select count(*)::int from access_log where session_id = $1) as logged`,
    [refs[0]],
  )) as Record<string, number>[];
  expect(children).toEqual({ turns: 3, flags: 1, notes: 1, feedback: 1, logged: 1 });
  const [log] = (await query('select detail from access_log')) as { detail: unknown }[];
  expect(log!.detail).toEqual({ q: refs[1], turns: 2 });
  const [letter] = (await query('select payload from audit_dead_letters')) as { payload: string }[];
  expect(letter!.payload).toContain(refs[0]);
  // Deleting a session still cascades through the converted keys.
  await query('delete from sessions where id = $1', [refs[0]]);
  const [left] = (await query('select count(*)::int as n from turns')) as { n: number }[];
  expect(Number(left!.n)).toBe(1);
}

describe('the session-digest migration converts existing rows', () => {
  const ids = (): [string, string] => [issueSessionId('a'.repeat(64)), issueSessionId('b'.repeat(64))];

  it('on real Postgres', async () => {
    const name = `tether_mig_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = `/${name}`;
    const client = postgres(url.toString(), { max: 1, onnotice: () => {} });
    const before = migrationsBefore(MIGRATION_TAG);
    try {
      const query: Query = async (text, params = []) => (await client.unsafe(text, params as never[])) as unknown as Record<string, unknown>[];
      await migratePostgres(drizzlePostgres(client), { migrationsFolder: before.dir });
      const sessionIds = ids();
      await seedLegacyRows(query, sessionIds);
      await migratePostgres(drizzlePostgres(client), { migrationsFolder: MIGRATIONS_FOLDER });
      await checkMigrated(query, sessionIds);
    } finally {
      before.cleanup();
      await client.end({ timeout: 5 });
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 5 });
    }
  }, 60_000);

  it('on embedded PGlite', async () => {
    const client = new PGlite();
    const before = migrationsBefore(MIGRATION_TAG);
    try {
      const query: Query = async (text, params = []) => (await client.query<Record<string, unknown>>(text, params)).rows;
      await migratePglite(drizzlePglite(client), { migrationsFolder: before.dir });
      const sessionIds = ids();
      await seedLegacyRows(query, sessionIds);
      await migratePglite(drizzlePglite(client), { migrationsFolder: MIGRATIONS_FOLDER });
      await checkMigrated(query, sessionIds);
    } finally {
      before.cleanup();
      await client.close();
    }
  }, 60_000);
});
