import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAccessLog } from '@/lib/auth/access-log';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import type { StoredPromptMessage } from '@/lib/db/schema';
import { estimateCost } from '@/lib/model/prices';
import { systemContent } from '@/lib/prompt/assemble';
import { configuredReplayModels } from '@/lib/review/replay/models';
import { ReplayRunner } from '@/lib/review/replay/runner';
import { getReplay, requestCancel, type ReplayResultView, type ReplayRunView } from '@/lib/review/replay/runs';
import { connectRedis, type RedisClient } from '../../support/redis';
import type { TestStack } from '../../support/stack';
import { adminRequest, cookieFor, createAdminStack, database, makeAgent, routeContext } from '../admin/helpers';
import { conversation, reviewItem } from './dataset-seed';

const PRICES = { 'mock-model': { input: 1, output: 2 } };
const CANDIDATE_PROMPT = 'You are a terse support assistant for Acme. Answer in one sentence.';

let stack: TestStack;
let db: Database;
let admin: AgentIdentity;
let cookie: string;
let redis: RedisClient;
let datasetId: string;
/** The dataset's turns in item order. */
let auditIds: string[] = [];

async function post(path: string, body: unknown, who = cookie): Promise<Response> {
  if (path === '/api/admin/replays') {
    const { POST } = await import('@/app/api/admin/replays/route');
    return POST(adminRequest(path, { method: 'POST', cookie: who, body }));
  }
  const id = path.split('/')[4] ?? '';
  const { POST } = await import('@/app/api/admin/replays/[id]/cancel/route');
  return POST(adminRequest(path, { method: 'POST', cookie: who, body }), routeContext({ id }));
}

async function progress(id: string, who = cookie): Promise<Response> {
  const { GET } = await import('@/app/api/admin/replays/[id]/route');
  return GET(adminRequest(`/api/admin/replays/${id}`, { cookie: who }), routeContext({ id }));
}

async function start(body: Record<string, unknown>): Promise<string> {
  const response = await post('/api/admin/replays', { endpoint: 'default', model: 'mock-model', budgetTokens: 10_000_000, ...body });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

async function read(id: string): Promise<{ run: ReplayRunView; results: ReplayResultView[] }> {
  const replay = await getReplay(db, id);
  if (!replay) throw new Error('no replay');
  return replay;
}

async function recordedMessages(auditId: string): Promise<StoredPromptMessage[]> {
  const [row] = await stack.query<{ prompt_messages: StoredPromptMessage[] }>('select prompt_messages from turns where audit_id = $1', [auditId]);
  return row?.prompt_messages ?? [];
}

/** What a replay must never change: the turns, the conversations' events and memory (Redis). */
async function untouchables(): Promise<{ turns: number; events: number; sessions: number; keys: string[] }> {
  const [turns] = await stack.query<{ n: number }>('select count(*)::int as n from turns');
  const [events] = await stack.query<{ n: number }>('select count(*)::int as n from conversation_events');
  const [sessions] = await stack.query<{ n: number }>('select count(*)::int as n from sessions');
  const keys: string[] = [];
  for await (const batch of redis.scanIterator({ MATCH: `${stack.runtime.config.memory.keyPrefix}*`, COUNT: 500 })) keys.push(...batch);
  return { turns: turns?.n ?? -1, events: events?.n ?? -1, sessions: sessions?.n ?? -1, keys: keys.sort() };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  stack = await createAdminStack({ MODEL_PRICES: JSON.stringify(PRICES), REPLAY_CALLS_PER_MINUTE: '0' });
  db = await database(stack);
  redis = await connectRedis();
  admin = await makeAgent(stack, 'admin');
  cookie = await cookieFor(stack, admin);
  // 20 reviewed replies: 10 conversations of two turns, each marked done.
  for (let i = 0; i < 10; i++) {
    const conv = await conversation(stack, [`Question ${i}: where is order ${1000 + i}?`, `And can I return item ${i}?`]);
    await reviewItem(stack, conv.sessionId, 'done');
  }
  const { POST } = await import('@/app/api/admin/datasets/route');
  const created = await POST(adminRequest('/api/admin/datasets', { method: 'POST', cookie, body: { name: 'replay-20' } }));
  const body = (await created.json()) as { dataset: { id: string; itemCount: number } };
  expect(body.dataset.itemCount).toBe(20);
  datasetId = body.dataset.id;
  const items = await stack.query<{ audit_id: string }>('select audit_id from dataset_items where dataset_id = $1 order by position', [datasetId]);
  auditIds = items.map((row) => row.audit_id);
});
afterAll(async () => {
  await redis?.quit();
  await stack?.close();
});

describe('replay of a 20-item dataset against a changed system prompt', () => {
  it('sends every recorded prompt with only the system message replaced, stores the results and their cost, and writes nothing else', async () => {
    const before = await untouchables();
    stack.model.reset();
    const id = await start({ datasetId, systemPrompt: CANDIDATE_PROMPT });
    await stack.runtime.replays.kick();

    const requests = stack.model.requests;
    expect(requests).toHaveLength(20);
    for (const [index, auditId] of auditIds.entries()) {
      const recorded = await recordedMessages(auditId);
      const sent = requests[index]?.messages as StoredPromptMessage[];
      expect(sent[0]).toEqual({ role: 'system', content: systemContent(CANDIDATE_PROMPT) });
      expect(sent[0]?.content).not.toBe(recorded[0]?.content);
      expect(sent.slice(1)).toEqual(recorded.slice(1));
      expect(sent).toHaveLength(recorded.length);
    }

    const { run, results } = await read(id);
    expect(run).toMatchObject({ state: 'done', total: 20, completed: 20, failed: 0 });
    expect(results).toHaveLength(20);
    let cost = 0;
    for (const result of results) {
      expect(result.status).toBe('ok');
      expect(result.candidate).toMatch(/^Mock reply to: /);
      expect(result.original).toMatch(/^Mock reply to: /);
      expect(result.promptTokens).toBeGreaterThan(0);
      expect(result.latencyMs).toBeGreaterThanOrEqual(0);
      const expected = estimateCost(PRICES, 'mock-model', result.promptTokens ?? 0, result.completionTokens ?? 0) ?? 0;
      expect(result.costUsd).toBeCloseTo(expected, 12);
      cost += expected;
    }
    expect(run.costUsd).toBeCloseTo(cost, 9);
    expect(run.promptTokens).toBe(results.reduce((sum, r) => sum + (r.promptTokens ?? 0), 0));

    expect(await untouchables()).toEqual(before);
  });

  it('without a candidate prompt sends the recorded messages unchanged', async () => {
    stack.model.reset();
    const id = await start({ auditId: auditIds[3], systemPrompt: null });
    await stack.runtime.replays.kick();
    expect(stack.model.requests).toHaveLength(1);
    expect(stack.model.requests[0]?.messages).toEqual(await recordedMessages(auditIds[3]!));
    expect((await read(id)).run).toMatchObject({ state: 'done', total: 1, completed: 1 });
  });

  it('cancelling mid-run stops further model calls at once', async () => {
    stack.model.reset();
    stack.model.setBehaviour({ latencyMs: 150 });
    const before = await untouchables();
    const id = await start({ datasetId, systemPrompt: CANDIDATE_PROMPT });
    const running = stack.runtime.replays.kick();
    await waitFor(async () => (await read(id)).results.length >= 3);
    const cancelled = await post(`/api/admin/replays/${id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    await running;
    const calls = stack.model.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(stack.model.requests.length).toBe(calls);
    expect(calls).toBeLessThan(20);
    const { run, results } = await read(id);
    expect(run.state).toBe('cancelled');
    // The call in flight was aborted: no result for it.
    expect(results.length).toBeLessThanOrEqual(calls);
    expect(results.length).toBeGreaterThanOrEqual(3);
    expect(await untouchables()).toEqual(before);
    // Cancelling again: it has ended.
    expect((await post(`/api/admin/replays/${id}/cancel`, {})).status).toBe(409);
  });

  it('a budget stops the run before the call that would go past it', async () => {
    stack.model.reset();
    const id = await start({ datasetId, systemPrompt: CANDIDATE_PROMPT, budgetTokens: 1000 });
    await stack.runtime.replays.kick();
    const { run, results } = await read(id);
    expect(run.state).toBe('budget_exhausted');
    expect(results.length).toBeGreaterThan(0);
    expect(results.length).toBeLessThan(20);
    expect(stack.model.requests).toHaveLength(results.length);
    const spent = run.promptTokens + run.completionTokens;
    expect(spent).toBeGreaterThanOrEqual(1000);
    // Before the last call the budget was not yet spent.
    const last = results.at(-1);
    expect(spent - (last?.promptTokens ?? 0) - (last?.completionTokens ?? 0)).toBeLessThan(1000);
  });

  it('a dollar budget stops it too', async () => {
    stack.model.reset();
    const id = await start({ datasetId, systemPrompt: null, budgetTokens: undefined, budgetUsd: 0.0005 });
    await stack.runtime.replays.kick();
    const { run, results } = await read(id);
    expect(run.state).toBe('budget_exhausted');
    expect(results.length).toBeLessThan(20);
    expect(run.costUsd ?? 0).toBeGreaterThanOrEqual(0.0005);
  });

  it('never sends a turn whose stored prompt no longer matches its hash', async () => {
    const tampered = auditIds[5]!;
    const [original] = await stack.query<{ prompt_messages: unknown }>('select prompt_messages from turns where audit_id = $1', [tampered]);
    await stack.query(`update turns set prompt_messages = jsonb_set(prompt_messages, '{1,content}', '"tampered"') where audit_id = $1`, [tampered]);
    stack.model.reset();
    const id = await start({ auditId: tampered, systemPrompt: CANDIDATE_PROMPT });
    await stack.runtime.replays.kick();
    expect(stack.model.requests).toHaveLength(0);
    const { run, results } = await read(id);
    expect(run).toMatchObject({ state: 'done', completed: 0, failed: 1 });
    expect(results[0]).toMatchObject({ status: 'hash_mismatch', candidate: null });
    // Put back, so the dataset's other replays below have 20 good items again.
    await stack.query('update turns set prompt_messages = $2 where audit_id = $1', [tampered, original?.prompt_messages]);
  });
});

describe('the runner lease', () => {
  function runner(owner: string): ReplayRunner {
    const config = stack.runtime.config;
    return new ReplayRunner({
      database: async () => db,
      models: configuredReplayModels(config.model, []),
      prices: PRICES,
      callsPerMinute: 0,
      owner,
    });
  }

  it('two runners never run one run', async () => {
    const one = runner('instance-one');
    const two = runner('instance-two');
    stack.model.reset();
    stack.model.setBehaviour({ latencyMs: 20 });
    const { POST } = await import('@/app/api/admin/replays/route');
    // The endpoint wakes this process's runner; two more instances race it for the same run.
    const response = await POST(
      adminRequest('/api/admin/replays', { method: 'POST', cookie, body: { datasetId, systemPrompt: null, endpoint: 'default', model: 'mock-model', budgetTokens: 10_000_000 } }),
    );
    const { id } = (await response.json()) as { id: string };
    await Promise.all([one.kick(), two.kick(), stack.runtime.replays.kick()]);
    const { run, results } = await read(id);
    expect(run).toMatchObject({ state: 'done', completed: 20 });
    expect(results.map((r) => r.position)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // 20 calls for 20 items, whichever instance made them.
    expect(stack.model.requests.length).toBe(20);
    await Promise.all([one.close(), two.close()]);
  });

  it('a cancel made on another instance aborts the call in flight there', async () => {
    const far = runner('far-instance');
    stack.model.reset();
    stack.model.setBehaviour({ latencyMs: 1500 });
    const [queued] = await stack.query<{ id: string }>(
      `insert into replay_runs (dataset_id, candidate, total, budget_tokens) values ($1, $2, 20, 10000000) returning id`,
      [datasetId, { systemPrompt: null, endpoint: 'default', model: 'mock-model' }],
    );
    const running = far.kick();
    await waitFor(async () => stack.model.requests.length === 1);
    const startedAt = Date.now();
    // Only the stored request: this process's runner does not hold the run.
    await requestCancel(db, queued!.id);
    await running;
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(stack.model.requests).toHaveLength(1);
    expect((await read(queued!.id)).run).toMatchObject({ state: 'cancelled', completed: 0 });
    await far.close();
  });

  it('takes over a run whose runner died, after the items it already finished', async () => {
    const [dead] = await stack.query<{ id: string }>(
      `insert into replay_runs (dataset_id, candidate, state, total, budget_tokens, lease_owner, lease_until, started_at)
       values ($1, $2, 'running', 20, 10000000, 'dead-instance', now() - interval '1 minute', now() - interval '2 minutes') returning id`,
      [datasetId, { systemPrompt: null, endpoint: 'default', model: 'mock-model' }],
    );
    const id = dead!.id;
    await stack.query(
      `insert into replay_results (run_id, position, audit_id, status, candidate_text) values ($1, 1, $2, 'ok', 'done before the crash')`,
      [id, auditIds[0]],
    );
    stack.model.reset();
    const heir = runner('heir');
    await heir.kick();
    const { run, results } = await read(id);
    expect(run.state).toBe('done');
    expect(results).toHaveLength(20);
    expect(results[0]?.candidate).toBe('done before the crash');
    expect(stack.model.requests).toHaveLength(19);
    // A live lease is left alone.
    const [live] = await stack.query<{ id: string }>(
      `insert into replay_runs (dataset_id, candidate, state, total, budget_tokens, lease_owner, lease_until)
       values ($1, $2, 'running', 20, 1000, 'alive', now() + interval '1 minute') returning id`,
      [datasetId, { systemPrompt: null, endpoint: 'default', model: 'mock-model' }],
    );
    stack.model.reset();
    await heir.kick();
    expect(stack.model.requests).toHaveLength(0);
    expect((await read(live!.id)).run.state).toBe('running');
    await stack.query(`update replay_runs set state = 'failed', lease_owner = null where id = $1`, [live!.id]);
    await heir.close();
  });
});

describe('replay endpoints', () => {
  it('refuse bad input with a 4xx and store nothing', async () => {
    const [before] = await stack.query<{ n: number }>('select count(*)::int as n from replay_runs');
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ datasetId, systemPrompt: null, endpoint: 'default', model: 'mock-model' }, 400, 'invalid_request'],
      [{ datasetId, auditId: auditIds[0], systemPrompt: null, endpoint: 'default', model: 'mock-model', budgetTokens: 5 }, 400, 'invalid_request'],
      [{ datasetId, systemPrompt: null, endpoint: 'staging', model: 'mock-model', budgetTokens: 5 }, 400, 'unknown_endpoint'],
      [{ datasetId, systemPrompt: null, endpoint: 'default', model: 'gpt-5', budgetTokens: 5 }, 400, 'unknown_endpoint'],
      [{ datasetId: '00000000-0000-4000-8000-000000000000', systemPrompt: null, endpoint: 'default', model: 'mock-model', budgetTokens: 5 }, 404, 'not_found'],
    ];
    for (const [body, status, code] of cases) {
      const response = await post('/api/admin/replays', body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    const [after] = await stack.query<{ n: number }>('select count(*)::int as n from replay_runs');
    expect(after).toEqual(before);
  });

  it('are for admins only, and are in the access log', async () => {
    const agent = await makeAgent(stack, 'agent');
    const agentCookie = await cookieFor(stack, agent);
    expect((await post('/api/admin/replays', { datasetId, systemPrompt: null, endpoint: 'default', model: 'mock-model', budgetTokens: 5 }, agentCookie)).status).toBe(403);
    const id = await start({ auditId: auditIds[0], systemPrompt: null });
    await stack.runtime.replays.kick();
    expect((await progress(id, agentCookie)).status).toBe(403);
    const response = await progress(id);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { run: ReplayRunView; results: ReplayResultView[] };
    expect(body.run).toMatchObject({ id, state: 'done', completed: 1 });
    expect(body.results[0]).toMatchObject({ status: 'ok', auditId: auditIds[0] });
    for (const action of ['replay_start', 'replay_cancel', 'view_replay'] as const) {
      const entries = await listAccessLog(db, { action, agentId: admin.id, limit: 50 });
      expect(entries.entries.length, action).toBeGreaterThan(0);
    }
    const viewed = await listAccessLog(db, { action: 'view_replay', agentId: admin.id, limit: 5 });
    expect(viewed.entries[0]?.detail).toMatchObject({ replayId: id });
  });
});
