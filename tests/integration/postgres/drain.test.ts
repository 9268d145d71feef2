import { spawn } from 'node:child_process';
import { sessionRef } from '@/lib/session-ref';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { abandonUnfinished } from '@/lib/audit/abandon';
import { memoryCaps } from '@/lib/conversation';
import { RedisMemoryStore } from '@/lib/conversation/redis/store';
import type { TurnRecord } from '@/lib/audit/types';
import { auditKeys } from '@/lib/redis/keys';
import { createRestClient } from '@/lib/redis/client';
import { connectRedis, type RedisClient } from '../../support/redis';
import { createTestStack, type TestStack } from '../../support/stack';

/** The audit drainer's promises: nothing dropped, nothing pending forever, a drain command that tells the truth. */
let redis: RedisClient;
let stack: TestStack | undefined;

beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(async () => {
  await redis.quit();
});
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

function record(sessionId: string, overrides: Partial<TurnRecord> = {}): TurnRecord {
  return {
    auditId: randomUUID(),
    sessionId,
    messageId: null,
    userText: 'queued while nobody drained',
    assistantText: 'an answer',
    status: 'ok',
    memoryStatus: 'new',
    errorCode: null,
    errorClass: null,
    model: 'mock-model',
    promptTokens: null,
    completionTokens: null,
    ttftMs: null,
    totalMs: null,
    contextAuditIds: [],
    promptMessages: [{ role: 'user', content: 'queued while nobody drained' }],
    createdAt: new Date().toISOString(),
    completedAt: new Date().toISOString(),
    client: { userAgent: null, ipHash: null, origin: null },
    ...overrides,
  };
}

const streamOf = (s: TestStack) => auditKeys(s.runtime.config.memory.keyPrefix).stream;

function drainCommand(s: TestStack, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const config = s.runtime.config;
  const backend = config.memory.backend;
  if (backend.kind !== 'redis') throw new Error('services stack expected');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), path.join('scripts', 'audit-drain.ts')], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'test',
        TETHER_DATA_DIR: config.dataDir,
        SESSION_SECRET: config.sessionSecret,
        DATABASE_URL: s.database!.url,
        UPSTASH_REDIS_REST_URL: backend.url,
        UPSTASH_REDIS_REST_TOKEN: backend.token,
        MEMORY_KEY_PREFIX: config.memory.keyPrefix,
        ...env,
      },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, out }));
  });
}

describe('the audit drainer', () => {
  it('keeps what it cannot apply in the dead letters, with the reason, and never drops it', async () => {
    stack = await createTestStack({}, 'services');
    const sessionId = await stack.newSession();
    const good = record(sessionId);
    await redis.xAdd(streamOf(stack), '*', { v: '2', k: 'final', s: '1', r: JSON.stringify(good) });
    await redis.xAdd(streamOf(stack), '*', { v: '99', k: 'final', s: '2', r: '{"from":"a later release"}' });
    await redis.xAdd(streamOf(stack), '*', { v: '2', k: 'final', s: '3', r: JSON.stringify({ ...good, auditId: 'not-a-uuid' }) });
    const report = await stack.runtime.drainer.drainUntilEmpty();
    expect(report).toMatchObject({ applied: 1, deadLettered: 2, remaining: 0, blocked: null });
    const dead = await stack.query<{ source: string; reason: string; payload: string }>(
      'select source, reason, payload from audit_dead_letters order by id',
    );
    expect(dead.map((d) => d.reason)).toEqual([expect.stringContaining('unknown record version "99"'), expect.stringContaining('auditId')]);
    expect(dead[0]!.payload).toContain('a later release');
    expect(dead.every((d) => d.source === 'stream')).toBe(true);
    expect(await stack.runtime.deadLetters.countOpen()).toBe(2);
    expect(await stack.query('select audit_id from turns')).toEqual([{ audit_id: good.auditId }]);
  });

  it('abandons a turn whose server died (its lease ran out), and leaves a running one alone', async () => {
    stack = await createTestStack({ TURN_LEASE_MS: '1000' }, 'services');
    const sessions = [await stack.newSession(), await stack.newSession()];
    const begun = [];
    for (const sessionId of sessions) {
      const pending = record(sessionId, { status: 'pending', assistantText: null, completedAt: null });
      const result = await stack.runtime.memory.begin({ sessionId, auditId: pending.auditId, leaseMs: 1000, messageId: null, pending });
      expect(result.kind).toBe('begun');
      begun.push(pending);
    }
    await stack.runtime.drainer.drainUntilEmpty();
    // The first one's server "died": nothing renews its lease. The second keeps renewing.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await stack.runtime.memory.renew(sessions[1]!, begun[1]!.auditId, 5000)).toBe('lost');
    const second = record(sessions[1]!, { status: 'pending', assistantText: null, completedAt: null });
    const alive = await stack.runtime.memory.begin({ sessionId: sessions[1]!, auditId: second.auditId, leaseMs: 5000, messageId: null, pending: second });
    expect(alive.kind).toBe('begun');
    await stack.runtime.drainer.drainUntilEmpty();
    const backend = stack.runtime.config.memory.backend;
    if (backend.kind !== 'redis') throw new Error('services stack expected');
    const leases = new RedisMemoryStore({
      redis: createRestClient({ url: backend.url, token: backend.token, timeoutMs: 2000, retries: 0 }),
      keyPrefix: stack.runtime.config.memory.keyPrefix,
      caps: memoryCaps(stack.runtime.config.memory),
    });
    const db = (await stack.runtime.database()).db;
    expect(await abandonUnfinished(db, leases, { olderThanMs: 0, limit: 100 })).toBe(2);
    const rows = await stack.query<{ audit_id: string; status: string; error_code: string | null }>(
      'select audit_id, status, error_code from turns order by created_at',
    );
    const byId = new Map(rows.map((row) => [row.audit_id, row]));
    expect(byId.get(begun[0]!.auditId)).toMatchObject({ status: 'abandoned', error_code: 'turn_abandoned' });
    expect(byId.get(begun[1]!.auditId)).toMatchObject({ status: 'abandoned' });
    expect(byId.get(second.auditId)).toMatchObject({ status: 'pending' });
    // A final entry that arrives after all completes the abandoned turn.
    await redis.xAdd(streamOf(stack), '*', { v: '2', k: 'final', s: '1', r: JSON.stringify({ ...begun[0]!, status: 'ok', assistantText: 'late but here' }) });
    await stack.runtime.drainer.drainUntilEmpty();
    const [late] = await stack.query<{ status: string }>('select status from turns where audit_id = $1', [begun[0]!.auditId]);
    expect(late!.status).toBe('ok');
    const [session] = await stack.query<{ error_count: number }>('select error_count from sessions where id = $1', [sessionRef(sessions[0]!)]);
    expect(session!.error_count).toBe(0);
  });

  it('npm run audit:drain says what it applied and what remains, and exits 1 when it could not drain', async () => {
    stack = await createTestStack({}, 'services');
    const sessionId = await stack.newSession();
    await redis.xAdd(streamOf(stack), '*', { v: '2', k: 'final', s: '1', r: JSON.stringify(record(sessionId)) });

    const drained = await drainCommand(stack);
    expect(drained.out).toContain('Applied 1 audit entry');
    expect(drained.out).toContain('0 still queued');
    expect(drained.code).toBe(0);
    expect(await stack.query('select audit_id from turns')).toHaveLength(1);

    // A running server holds the stream: the command says so and exits 1.
    const lockKey = auditKeys(stack.runtime.config.memory.keyPrefix).lock;
    await redis.set(lockKey, 'a-running-server', { PX: 60_000 });
    await redis.xAdd(streamOf(stack), '*', { v: '2', k: 'final', s: '3', r: JSON.stringify(record(sessionId)) });
    const locked = await drainCommand(stack);
    expect(locked.code).toBe(1);
    expect(locked.out).toContain('Another drainer holds the audit stream');

    // Postgres unreachable: exit 1, and the entries are still queued.
    await redis.del(lockKey);
    const down = await drainCommand(stack, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    expect(down.code).toBe(1);
    expect(down.out).toMatch(/Could not drain: Postgres failed/);
    expect(await redis.xLen(streamOf(stack))).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
