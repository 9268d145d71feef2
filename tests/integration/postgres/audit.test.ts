import { createHash } from 'node:crypto';
import { sessionRef } from '@/lib/session-ref';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteAuditOlderThan } from '@/lib/audit/retention';
import { handleRetentionCron } from '@/lib/audit/retention-handler';
import { auditKeys } from '@/lib/redis/keys';
import { connectRedis } from '../../support/redis';
import { createTestStack, type TestStack } from '../../support/stack';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy';

let stack: TestStack | undefined;
let proxy: TcpProxy | undefined;

afterEach(async () => {
  await proxy?.start().catch(() => undefined);
  await stack?.close();
  await proxy?.close();
  stack = undefined;
  proxy = undefined;
});

interface TurnRow {
  audit_id: string;
  session_id: string;
  seq: number;
  message_id: string | null;
  user_text: string;
  assistant_text: string | null;
  status: string;
  memory_status: string;
  error_code: string | null;
  model: string;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  ttft_ms: number | null;
  total_ms: number | null;
  context_audit_ids: string[];
  prompt_messages: Array<{ role: string; content: string }>;
  prompt_hash: string;
  created_at: Date;
  completed_at: Date | null;
}

const countTurns = async (s: TestStack) =>
  Number((await s.query<{ n: string }>('select count(*)::text as n from turns'))[0]!.n);

describe('the audit trail in Postgres', () => {
  it('writes one complete row per turn, from which the exact prompt can be recovered and verified', async () => {
    stack = await createTestStack({}, 'services');
    const sessionId = await stack.newSession();
    stack.model.setBehaviour({ firstTokenDelayMs: 30 });
    const first = await stack.send(sessionId, 'I was charged twice', 'msg-aaaaaaaa');
    const second = await stack.send(sessionId, 'For order 4711', 'msg-bbbbbbbb');

    const rows = await stack.query<TurnRow>('select * from turns where session_id = $1 order by seq', [sessionRef(sessionId)]);
    expect(rows).toHaveLength(2);
    const row = rows[1]!;
    expect(row).toMatchObject({
      audit_id: second.meta!.auditId,
      seq: 2,
      message_id: 'msg-bbbbbbbb',
      user_text: 'For order 4711',
      assistant_text: second.reply,
      status: 'ok',
      memory_status: 'ok',
      error_code: null,
      model: 'mock-model',
      context_audit_ids: [first.meta!.auditId],
    });
    for (const field of ['prompt_tokens', 'completion_tokens', 'ttft_ms', 'total_ms', 'completed_at'] as const) {
      expect(row[field], field).not.toBeNull();
    }
    expect(row.ttft_ms!).toBeLessThanOrEqual(row.total_ms!);
    expect(row.completed_at!.getTime()).toBeGreaterThanOrEqual(row.created_at.getTime());
    // What the model saw is stored exactly, and its hash proves it unaltered.
    expect(row.prompt_messages).toEqual(stack.model.requests[1]!.messages);
    expect(row.prompt_hash).toBe(createHash('sha256').update(JSON.stringify(row.prompt_messages)).digest('hex'));

    const [session] = await stack.query<Record<string, unknown>>('select * from sessions where id = $1', [sessionRef(sessionId)]);
    expect(session).toMatchObject({
      turn_count: 2,
      first_memory_status: 'new',
      last_memory_status: 'ok',
      user_agent: 'tether-tests',
      origin: 'http://localhost/help',
      error_count: 0,
      memory_fallbacks: 0,
      last_user_text: 'For order 4711',
    });
    expect(session!.ip_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(session)).not.toContain('203.0.113.7');
  });

  it('shows a turn that started but has not completed, with status pending', async () => {
    stack = await createTestStack({ OPENAI_TIMEOUT_MS: '5000' }, 'services');
    const sessionId = await stack.newSession();
    stack.model.setBehaviour({ firstTokenDelayMs: 1500 });
    const inFlight = stack.send(sessionId, 'slow answer please');
    await expect
      .poll(async () => {
        // What the server's drain loop does: the pending entry written by begin reaches Postgres.
        await stack!.runtime.drainer.drainOnce();
        return (await stack!.query<{ status: string }>('select status from turns where session_id = $1', [sessionRef(sessionId)]))[0]?.status;
      }, {
        timeout: 1400,
        interval: 100,
      })
      .toBe('pending');
    await inFlight;
    const [row] = await stack.query<{ status: string }>('select status from turns where session_id = $1', [sessionRef(sessionId)]);
    expect(row!.status).toBe('ok');
  });

  it('keeps answering while Postgres is down for 50 turns, then stores exactly those 50 once it is back', async () => {
    proxy = await startTcpProxy(5432);
    const viaProxy = (url: string) => {
      const u = new URL(url);
      u.port = String(proxy!.port);
      return u.toString();
    };
    stack = await createTestStack({}, 'services', { databaseUrl: viaProxy });
    const sessions = [await stack.newSession(), await stack.newSession()];
    await stack.send(sessions[0]!, 'before the outage');
    expect(await countTurns(stack)).toBe(1);

    await proxy.stop();
    const auditIds: string[] = [];
    for (let i = 0; i < 50; i++) {
      const turn = await stack.send(sessions[i % 2]!, `during the outage ${i}`);
      expect(turn.status).toBe(200);
      expect(turn.error).toBeUndefined();
      expect(turn.reply).toContain(`during the outage ${i}`);
      auditIds.push(turn.meta!.auditId);
    }
    expect(await countTurns(stack)).toBe(1);
    // Every turn of the outage waits in the audit stream: a pending and a final entry each.
    const redis = await connectRedis();
    const streamKey = auditKeys(stack.runtime.config.memory.keyPrefix).stream;
    try {
      expect(await redis.xLen(streamKey)).toBe(100);
      const blocked = await stack.runtime.drainer.drainOnce();
      expect(blocked.blocked?.reason).toBe('database');
      expect(blocked.remaining).toBe(100);

      await proxy.start();
      // As the drain loop does: passes retry until Postgres takes the entries.
      let applied = 0;
      await expect
        .poll(
          async () => {
            const report = await stack!.runtime.drainer.drainUntilEmpty();
            applied += report.applied;
            expect(report.deadLettered).toBe(0);
            return report.remaining;
          },
          { timeout: 15_000, interval: 500 },
        )
        .toBe(0);
      expect(applied).toBe(100);
      expect(await countTurns(stack)).toBe(51);
      const rows = await stack.query<{ audit_id: string; status: string; seq: number; session_id: string; user_text: string }>(
        'select audit_id, status, seq, session_id, user_text from turns where audit_id = any($1::uuid[]) order by session_id, seq',
        [auditIds],
      );
      expect(rows).toHaveLength(50);
      expect(new Set(rows.map((r) => r.audit_id)).size).toBe(50);
      expect(rows.every((r) => r.status === 'ok')).toBe(true);
      // Each transcript reads in the order the customer typed.
      for (const [index, sessionId] of sessions.entries()) {
        const typed = rows.filter((r) => r.session_id === sessionRef(sessionId)).map((r) => r.user_text);
        const expected = Array.from({ length: 50 }, (_, i) => i).filter((i) => i % 2 === index).map((i) => `during the outage ${i}`);
        expect(typed).toEqual(expected);
      }

      // Entries delivered twice (a drainer that crashed before acknowledging them) change nothing.
      const [sample] = await stack.query<TurnRow>('select * from turns where audit_id = $1', [auditIds[0]]);
      const record = {
        auditId: sample!.audit_id,
        sessionId: sample!.session_id,
        messageId: null,
        userText: sample!.user_text,
        assistantText: sample!.assistant_text,
        status: 'ok',
        memoryStatus: sample!.memory_status,
        errorCode: null,
        errorClass: null,
        model: sample!.model,
        promptTokens: null,
        completionTokens: null,
        ttftMs: null,
        totalMs: null,
        contextAuditIds: [],
        promptMessages: sample!.prompt_messages,
        createdAt: sample!.created_at.toISOString(),
        completedAt: new Date().toISOString(),
        client: { userAgent: null, ipHash: null, origin: null },
      };
      for (const kind of ['pending', 'final']) {
        await redis.xAdd(streamKey, '*', { v: '2', k: kind, s: String(sample!.seq), r: JSON.stringify({ ...record, status: kind === 'pending' ? 'pending' : 'ok' }) });
      }
      expect(await stack.runtime.drainer.drainUntilEmpty()).toMatchObject({ applied: 2, remaining: 0 });
      expect(await countTurns(stack)).toBe(51);
      const [session] = await stack.query<{ turn_count: number }>('select turn_count from sessions where id = $1', [sessionRef(sessions[0]!)]);
      expect(session!.turn_count).toBe(26);
    } finally {
      await redis.quit();
    }
  }, 120_000);

  it('with Postgres and Redis both down, records wait in the local outbox file and arrive later', async () => {
    proxy = await startTcpProxy(5432);
    stack = await createTestStack({}, 'services', {
      databaseUrl: (url) => Object.assign(new URL(url), { port: String(proxy!.port) }).toString(),
    });
    const sessionId = await stack.newSession();
    await proxy.stop();
    await stack.bridge!.stop();
    const turn = await stack.send(sessionId, 'everything is down');
    expect(turn.status).toBe(200);
    expect(turn.meta?.memory).toBe('unavailable');
    await proxy.start();
    await stack.bridge!.start();
    expect(await countTurns(stack)).toBe(0);
    await stack.runtime.drainer.drainUntilEmpty();
    const rows = await stack.query<{ audit_id: string; memory_status: string }>('select audit_id, memory_status from turns');
    expect(rows).toEqual([{ audit_id: turn.meta!.auditId, memory_status: 'unavailable' }]);
  });

  it('masks personal data in what it stores when AUDIT_REDACT=mask, without touching the live reply', async () => {
    stack = await createTestStack({ AUDIT_REDACT: 'mask' }, 'services');
    const sessionId = await stack.newSession();
    const text = 'Mail me at ada@example.com or call +44 20 7946 0958, card 4111 1111 1111 1111';
    const turn = await stack.send(sessionId, text);
    // The model and the customer saw the real text.
    expect(stack.model.lastRequest()!.messages.at(-1)!.content).toBe(text);
    expect(turn.reply).toContain('ada@example.com');
    const [row] = await stack.query<TurnRow>('select * from turns where session_id = $1', [sessionRef(sessionId)]);
    expect(row!.user_text).toBe('Mail me at [email] or call [phone], card [card]');
    expect(JSON.stringify(row!.prompt_messages)).not.toContain('ada@example.com');
    expect(row!.assistant_text).not.toContain('ada@example.com');
  });

  it('retention deletes exactly what is older than the window, in batches', async () => {
    stack = await createTestStack({}, 'services');
    const day = 24 * 3600 * 1000;
    const now = Date.now();
    const insertSession = (id: string, lastActivity: Date) =>
      stack!.query(
        `insert into sessions (id, created_at, last_activity_at, turn_count, first_memory_status, last_memory_status)
         values ($1, $2, $2, 0, 'new', 'ok')`,
        [id, lastActivity],
      );
    const insertTurn = (sessionId: string, seq: number, createdAt: Date) =>
      stack!.query(
        `insert into turns (audit_id, session_id, seq, user_text, status, memory_status, model, context_audit_ids,
           prompt_messages, prompt_hash, created_at)
         values (gen_random_uuid(), $1, $2, 'x', 'ok', 'ok', 'm', '[]', '[]', 'h', $3)`,
        [sessionId, seq, createdAt],
      );
    // 3 old sessions (12 old turns), 1 mixed session (5 old, 3 new turns), 2 recent sessions (4 turns).
    for (let s = 0; s < 3; s++) {
      await insertSession(`old-${s}`, new Date(now - 40 * day));
      for (let t = 1; t <= 4; t++) await insertTurn(`old-${s}`, t, new Date(now - 45 * day + t));
    }
    await insertSession('mixed', new Date(now - day));
    for (let t = 1; t <= 8; t++) await insertTurn('mixed', t, new Date(now - (t <= 5 ? 35 : 1) * day));
    for (let s = 0; s < 2; s++) {
      await insertSession(`new-${s}`, new Date(now - day));
      for (let t = 1; t <= 2; t++) await insertTurn(`new-${s}`, t, new Date(now - 2 * day));
    }
    const { db } = await stack.runtime.database();
    const report = await deleteAuditOlderThan(db, new Date(now - 30 * day), 4);
    expect(report).toMatchObject({ turns: 17, sessions: 3 });
    const left = await stack.query<{ session_id: string; n: string }>(
      'select session_id, count(*)::text as n from turns group by session_id order by session_id',
    );
    expect(left).toEqual([
      { session_id: 'mixed', n: '3' },
      { session_id: 'new-0', n: '2' },
      { session_id: 'new-1', n: '2' },
    ]);
    expect((await stack.query<{ id: string }>('select id from sessions order by id')).map((r) => r.id)).toEqual([
      'mixed',
      'new-0',
      'new-1',
    ]);
  });

  it('the retention cron route needs its secret and reports what it deleted', async () => {
    stack = await createTestStack({ CRON_SECRET: 'cron-secret-for-tests', AUDIT_RETENTION_DAYS: '30' }, 'services');
    const sessionId = await stack.newSession();
    await stack.send(sessionId, 'recent turn');
    await stack.query(
      `insert into sessions (id, created_at, last_activity_at, first_memory_status, last_memory_status)
       values ('ancient', now() - interval '90 days', now() - interval '90 days', 'new', 'ok')`,
    );
    const call = (authorization?: string) =>
      handleRetentionCron(
        new Request('http://localhost/api/cron/retention', { headers: authorization ? { authorization } : {} }),
        stack!.runtime,
      );
    expect((await call()).status).toBe(401);
    expect((await call('Bearer wrong')).status).toBe(401);
    const response = await call('Bearer cron-secret-for-tests');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ skipped: false, turns: 0, sessions: 1 });
    expect(await countTurns(stack)).toBe(1);
  });
});
