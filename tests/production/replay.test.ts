import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminSession } from '@/lib/auth/admin-sessions';
import { createAgent } from '@/lib/auth/agents';
import { openDatabase } from '@/lib/db/client';
import type { StoredPromptMessage } from '@/lib/db/schema';
import { systemContent } from '@/lib/prompt/assemble';
import { sessionRef } from '@/lib/session-ref';
import { mintSessionCookie } from '../integration/admin/helpers';
import { connectRedis, type RedisClient } from '../support/redis';
import { chat, eventually, startProductionStack, type ProductionStack } from '../support/production';

/**
 * A replay on `next start` (real Postgres, Redis through the bridge, the mock model): a 20-item
 * dataset replayed with a changed system prompt, where every request the mock receives holds the
 * recorded messages with only the system message replaced; then a slow replay cancelled mid-run,
 * after which the mock receives no further call. Neither writes a turn or a memory key.
 */

const AUTH_SECRET = randomBytes(32).toString('hex');
const CANDIDATE = 'You are the production-test candidate. Answer in one short sentence.';

let stack: ProductionStack;
let redis: RedisClient;
let cookie: string;

type Progress = { run: { state: string; total: number; completed: number; failed: number; costUsd: number | null }; results: Array<{ status: string; costUsd: number | null }> };

function admin(path: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { cookie, 'sec-fetch-site': 'same-origin', origin: stack.url, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function query<T>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await stack.database!.sql.unsafe(text, params as never[])) as unknown as T[];
}

async function untouchables(): Promise<{ turns: number; events: number; keys: string[] }> {
  const [turns] = await query<{ n: number }>('select count(*)::int as n from turns');
  const [events] = await query<{ n: number }>('select count(*)::int as n from conversation_events');
  const keys: string[] = [];
  for await (const batch of redis.scanIterator({ MATCH: `${stack.keyPrefix}*`, COUNT: 500 })) keys.push(...batch);
  return { turns: turns?.n ?? -1, events: events?.n ?? -1, keys: keys.sort() };
}

async function progress(id: string): Promise<Progress> {
  const response = await admin(`/api/admin/replays/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Progress;
}

let datasetId: string;
let auditIds: string[];

beforeAll(async () => {
  stack = await startProductionStack({
    env: { AUTH_SECRET, MODEL_PRICES: JSON.stringify({ 'mock-model': { input: 1, output: 2 } }), REPLAY_CALLS_PER_MINUTE: '0' },
  });
  redis = await connectRedis();
  const handle = await openDatabase({ kind: 'postgres', url: stack.database!.url });
  try {
    const created = await createAgent(handle.db, { email: 'replay-admin@example.com', name: 'Replay admin', role: 'admin', password: 'a long enough password' });
    if (!created) throw new Error('admin not created');
    cookie = await mintSessionCookie(created.id, AUTH_SECRET, false, await startAdminSession(handle.db, created.id));
  } finally {
    await handle.close();
  }
  const sessions: string[] = [];
  for (let i = 0; i < 10; i++) {
    const created = await fetch(`${stack.url}/api/session`, { method: 'POST' });
    const { sessionId } = (await created.json()) as { sessionId: string };
    sessions.push(sessionId);
    for (const text of [`Order ${i}00 has not arrived.`, `Can you resend order ${i}00?`]) {
      expect((await chat(stack.url, { sessionId, text })).done).toBeDefined();
    }
  }
  await eventually(
    async () => ((await query<{ n: number }>('select count(*)::int as n from turns'))[0]?.n === 20 ? true : undefined),
    15_000,
    '20 turns in the audit',
  );
  for (const sessionId of sessions) {
    await query(`insert into review_items (session_id, reasons, state, done_at) values ($1, '{manual}', 'done', now())
      on conflict (session_id) do update set state = 'done', done_at = now()`, [sessionRef(sessionId)]);
  }
  const response = await admin('/api/admin/datasets', { name: 'production-20' });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { dataset: { id: string; itemCount: number } };
  expect(body.dataset.itemCount).toBe(20);
  datasetId = body.dataset.id;
  auditIds = (await query<{ audit_id: string }>('select audit_id from dataset_items where dataset_id = $1 order by position', [datasetId])).map((r) => r.audit_id);
}, 120_000);

afterAll(async () => {
  await redis?.quit();
  await stack?.close();
});

describe('replay on the production build', () => {
  it('replays 20 items with only the system message replaced, stores results and cost, and writes nothing else', async () => {
    const before = await untouchables();
    stack.model.clearRequests();
    const started = await admin('/api/admin/replays', { datasetId, systemPrompt: CANDIDATE, endpoint: 'default', model: 'mock-model', budgetTokens: 10_000_000 });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const done = await eventually(async () => {
      const replay = await progress(id);
      return replay.run.state === 'done' ? replay : undefined;
    }, 30_000, 'the replay done');
    expect(done.run).toMatchObject({ total: 20, completed: 20, failed: 0 });
    expect(done.results).toHaveLength(20);
    expect(done.run.costUsd).toBeGreaterThan(0);
    expect(done.results.every((r) => r.status === 'ok' && (r.costUsd ?? 0) > 0)).toBe(true);

    const requests = stack.model.requests;
    expect(requests).toHaveLength(20);
    for (const [index, auditId] of auditIds.entries()) {
      const [row] = await query<{ prompt_messages: StoredPromptMessage[] }>('select prompt_messages from turns where audit_id = $1', [auditId]);
      const recorded = row?.prompt_messages ?? [];
      const sent = requests[index]?.messages as StoredPromptMessage[];
      expect(sent[0]).toEqual({ role: 'system', content: systemContent(CANDIDATE) });
      expect(sent.slice(1)).toEqual(recorded.slice(1));
      expect(sent).toHaveLength(recorded.length);
    }
    expect(await untouchables()).toEqual(before);
  });

  it('cancelling mid-run stops further model calls', async () => {
    const before = await untouchables();
    stack.model.clearRequests();
    stack.model.setBehaviour({ latencyMs: 400 });
    const started = await admin('/api/admin/replays', { datasetId, systemPrompt: CANDIDATE, endpoint: 'default', model: 'mock-model', budgetTokens: 10_000_000 });
    const { id } = (await started.json()) as { id: string };
    await eventually(async () => ((await progress(id)).results.length >= 2 ? true : undefined), 20_000, 'two results');
    expect((await admin(`/api/admin/replays/${id}/cancel`, {})).status).toBe(200);
    const cancelled = await eventually(async () => {
      const replay = await progress(id);
      return replay.run.state === 'cancelled' ? replay : undefined;
    }, 5_000, 'the replay cancelled');
    const calls = stack.model.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(stack.model.requests.length).toBe(calls);
    expect(calls).toBeLessThan(20);
    expect(cancelled.results.length).toBeLessThanOrEqual(calls);
    stack.model.setBehaviour({ latencyMs: 0 });
    expect(await untouchables()).toEqual(before);
  });
});
