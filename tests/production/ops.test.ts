import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { startAdminSession } from '@/lib/auth/admin-sessions';
import { createAgent } from '@/lib/auth/agents';
import { openDatabase } from '@/lib/db/client';
import { sessionRef } from '@/lib/session-ref';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startMockModel, type MockModel } from '../support/mock-model';
import { DIST_DIR, jsonLines, startProductionServer, type ProductionServer } from '../support/launcher';
import { connectRedis, deleteKeys } from '../support/redis';
import { TEST_POSTGRES_URL, TEST_REDIS_URL } from '../support/services';
import { startUpstashBridge, type UpstashBridge } from '../support/upstash-bridge';
import { opsPort } from '../e2e/ports';
import { startCollector } from '../support/otlp-collector';
import { mintSessionCookie } from '../integration/admin/helpers';

/**
 * Operating the production build (`next build` first; `npm test -- --only e2e` does it): the
 * start-up check, readiness, the standalone server, the per-turn log line and several instances on
 * shared Redis and Postgres. Each test starts its own servers from the same build, on real Postgres,
 * real Redis behind the Upstash REST bridge and the mock model.
 */


interface Services {
  env: Record<string, string>;
  model: MockModel;
  bridge: UpstashBridge;
  database: TestDatabase;
  close(): Promise<void>;
}

const secret = () => randomBytes(32).toString('hex');

/** A database with nothing in it, so a server that migrates on start has something to do. */
async function createEmptyDatabase(): Promise<TestDatabase> {
  const name = `tether_ops_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end({ timeout: 5 });
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
  return {
    url: url.toString(),
    name,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const again = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists "${name}" with (force)`);
      await again.end({ timeout: 5 });
    },
  };
}

async function startServices(options: { migrated?: boolean } = {}): Promise<Services> {
  const model = await startMockModel();
  const bridge = await startUpstashBridge({ token: randomBytes(12).toString('hex'), redisUrl: TEST_REDIS_URL });
  const database = options.migrated === false ? await createEmptyDatabase() : await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tether-ops-'));
  const keyPrefix = `ops:${randomBytes(4).toString('hex')}`;
  const env = {
    TETHER_DATA_DIR: dataDir,
    SESSION_SECRET: secret(),
    AUTH_SECRET: secret(),
    DATABASE_URL: database.url,
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: bridge.token,
    MEMORY_KEY_PREFIX: keyPrefix,
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'ops-key',
    OPENAI_MODEL: 'mock-model',
    OPENAI_TIMEOUT_MS: '5000',
    MEMORY_SUMMARY: 'off',
    CHAT_RATE_LIMIT_PER_MINUTE: '0',
    HEALTH_TOKEN: randomBytes(16).toString('hex'),
  };
  return {
    env,
    model,
    bridge,
    database,
    async close() {
      await Promise.allSettled([model.close(), bridge.close(), database.drop()]);
      const redis = await connectRedis();
      await deleteKeys(redis, keyPrefix);
      await redis.quit();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function newSession(server: ProductionServer): Promise<string> {
  const response = await fetch(`${server.url}/api/session`, { method: 'POST' });
  expect(response.status).toBe(201);
  return ((await response.json()) as { sessionId: string }).sessionId;
}

interface JsonTurn {
  reply: string;
  auditId: string;
  memory: string;
  remembered: boolean;
}

async function chat(server: ProductionServer, sessionId: string, text: string): Promise<JsonTurn> {
  const response = await fetch(`${server.url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ sessionId, text }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as JsonTurn;
}

async function health(server: ProductionServer, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/api/health`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

it('a production server with a short secret refuses to start and names it', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tether-ops-start-'));
  try {
    const server = await startProductionServer({
      port: opsPort(0),
      waitForReady: false,
      env: {
        TETHER_DATA_DIR: dataDir,
        SESSION_SECRET: 'too-short',
        AUTH_SECRET: secret(),
        TETHER_ALLOW_EMBEDDED_DATABASE: 'on',
        TETHER_ALLOW_LOCAL_MEMORY: 'on',
        TETHER_ALLOW_DEMO_MODEL: 'on',
      },
    });
    const code = await Promise.race([server.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 30_000))]);
    await server.stop();
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);
    const output = [...server.stdout, ...server.stderr].join('\n');
    expect(output).toContain('SESSION_SECRET: must be at least 32 characters');
    expect(output).not.toContain('AUTH_SECRET');
    // It never got as far as serving: nothing answers on its port.
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('a production server with nothing configured names every missing piece', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tether-ops-start-'));
  try {
    const server = await startProductionServer({ port: opsPort(0), waitForReady: false, env: { TETHER_DATA_DIR: dataDir } });
    const code = await Promise.race([server.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 30_000))]);
    await server.stop();
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);
    const output = [...server.stdout, ...server.stderr].join('\n');
    for (const name of [
      'SESSION_SECRET',
      'AUTH_SECRET',
      'TETHER_ALLOW_EMBEDDED_DATABASE=on',
      'TETHER_ALLOW_LOCAL_MEMORY=on',
      'TETHER_ALLOW_DEMO_MODEL=on',
    ]) {
      expect(output).toContain(name);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** What the Dockerfile does: the standalone server needs the static assets (and public/) beside it. */
function prepareStandalone(): void {
  const standalone = path.resolve(DIST_DIR, 'standalone');
  expect(existsSync(path.join(standalone, 'server.js')), 'next build writes the standalone server').toBe(true);
  cpSync(path.resolve(DIST_DIR, 'static'), path.join(standalone, DIST_DIR, 'static'), { recursive: true });
  if (existsSync('public')) cpSync('public', path.join(standalone, 'public'), { recursive: true });
  // The embedded database migrates from drizzle/ at start: the tracing must have shipped it.
  expect(existsSync(path.join(standalone, 'drizzle', 'meta', '_journal.json'))).toBe(true);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}


describe('the standalone server on real services', () => {
  let services: Services;
  let server: ProductionServer;
  let collector: Awaited<ReturnType<typeof startCollector>>;

  beforeAll(async () => {
    prepareStandalone();
    services = await startServices({ migrated: false });
    collector = await startCollector();
    server = await startProductionServer({
      port: opsPort(1),
      mode: 'standalone',
      env: { ...services.env, DATABASE_MIGRATE_ON_START: 'on', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await collector?.close();
    await services?.close();
  });

  it('migrates on start, serves the chat page and a chat turn, and reports healthy', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    // The page's scripts come from the copied static folder.
    const html = await page.text();
    const script = html.match(/\/_next\/static\/[^"]+\.js/)?.[0];
    expect(script).toBeDefined();
    expect((await fetch(`${server.url}${script}`)).status).toBe(200);

    const sessionId = await newSession(server);
    const turn = await chat(server, sessionId, 'Hello from the standalone server');
    expect(turn.reply).toBe('Mock reply to: Hello from the standalone server (saw 2 messages)');
    expect(turn.memory).toBe('new');
    const rows = await waitFor('the audit row', async () => {
      const found = await services.database.sql`select status from turns where audit_id = ${turn.auditId}`;
      return found.length > 0 && found[0]?.status === 'ok' ? found : undefined;
    });
    expect(rows).toHaveLength(1);

    expect(await health(server)).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('health details need the token; anonymous callers get the status only', async () => {
    const detailed = await health(server, services.env.HEALTH_TOKEN);
    expect(detailed.status).toBe(200);
    expect(detailed.body).toMatchObject({
      status: 'ok',
      checks: {
        database: { kind: 'postgres', ok: true, latencyMs: expect.any(Number) },
        memory: { kind: 'redis', ok: true, latencyMs: expect.any(Number) },
      },
    });
    expect(await health(server, 'wrong-token-0123456789')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(JSON.stringify(detailed.body)).not.toContain(services.bridge.url);
  });

  it('health is 503 while Redis (its REST bridge) is down, and 200 again once it is back', async () => {
    await services.bridge.stop();
    try {
      const down = await health(server, services.env.HEALTH_TOKEN);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'unavailable', checks: { memory: { ok: false }, database: { ok: true } } });
      expect(await health(server)).toEqual({ status: 503, body: { status: 'unavailable' } });
    } finally {
      await services.bridge.start();
    }
    const up = await waitFor('health to recover', async () => {
      const result = await health(server);
      return result.status === 200 ? result : undefined;
    });
    expect(up.body).toEqual({ status: 'ok' });
  });

  it('every turn writes one JSON log line with the session reference and no message text', async () => {
    const sessionId = await newSession(server);
    const text = 'A message that must not reach the log';
    const turn = await chat(server, sessionId, text);
    const line = await waitFor('the turn log line', async () =>
      jsonLines(server.stdout).find((entry) => entry.msg === 'turn' && entry.auditId === turn.auditId),
    );
    expect(line).toMatchObject({
      level: 'info',
      time: expect.any(String),
      session: sessionRef(sessionId),
      status: 'ok',
      memoryStatus: 'new',
      errorCode: null,
      model: 'mock-model',
      remembered: true,
      promptMessages: 2,
      totalMs: expect.any(Number),
    });
    expect(line).not.toHaveProperty('userText');
    const output = server.stdout.join('\n');
    expect(output).not.toContain(text);
    expect(output).not.toContain(sessionId);
    // Nothing the app logs is prose any more.
    expect(output).not.toMatch(/^\[tether\]/m);
  });

  it('exports the turn spans over OTLP/HTTP, without message text', async () => {
    const sessionId = await newSession(server);
    const text = 'Traced message that must not be exported';
    await chat(server, sessionId, text);
    const names = ['tether.memory.load', 'tether.prompt.assemble', 'tether.model', 'tether.memory.append', 'tether.audit.write'];
    // The batch exporter sends every few seconds; the export is protobuf, where span names are plain bytes.
    const exported = await waitFor('the exported spans', async () => {
      const all = Buffer.concat(collector.exports).toString('latin1');
      return names.every((name) => all.includes(name)) ? all : undefined;
    });
    expect(exported).not.toContain(text);
    expect(exported).not.toContain(sessionId);
  });
});

it('two production servers share one conversation: memory, order and audit stay exact', async () => {
  const services = await startServices();
  const servers = await Promise.all([
    startProductionServer({ port: opsPort(2), env: services.env }),
    startProductionServer({ port: opsPort(3), env: services.env }),
  ]);
  try {
    const sessionId = await newSession(servers[0]!);
    const turns = 6;
    const auditIds: string[] = [];
    for (let k = 1; k <= turns; k++) {
      const server = servers[k % 2]!;
      const turn = await chat(server, sessionId, `message ${k}`);
      // The model saw the system prompt, every earlier exchange, and this message.
      expect(turn.reply).toBe(`Mock reply to: message ${k} (saw ${2 * k} messages)`);
      expect(turn.memory).toBe(k === 1 ? 'new' : 'ok');
      auditIds.push(turn.auditId);
    }
    const rows = await waitFor('every audit row', async () => {
      const found = await services.database.sql<{ seq: number; status: string; user_text: string; audit_id: string }[]>`
        select seq, status, user_text, audit_id from turns where session_id = ${sessionRef(sessionId)} order by seq`;
      return found.length === turns && found.every((row) => row.status === 'ok') ? found : undefined;
    });
    expect(rows.map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows.map((row) => row.user_text)).toEqual(auditIds.map((_, i) => `message ${i + 1}`));
    expect(rows.map((row) => row.audit_id)).toEqual(auditIds);

    // Either server reads back the same remembered conversation.
    for (const server of servers) {
      const response = await fetch(`${server.url}/api/session/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId }),
      });
      const body = (await response.json()) as { messages: { role: string; text: string }[] };
      expect(body.messages.filter((m) => m.role === 'user').map((m) => m.text)).toEqual(
        auditIds.map((_, i) => `message ${i + 1}`),
      );
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await services.close();
  }
});


/** An agent of the services' database, signed in on `server` (a session cookie as Auth.js sets it). */
async function signedInAgent(services: Services, server: ProductionServer, name: string) {
  const handle = await openDatabase({ kind: 'postgres', url: services.database.url });
  try {
    const created = await createAgent(handle.db, { email: `${name.toLowerCase()}@example.com`, name, role: 'agent', password: 'a long enough password' });
    if (!created) throw new Error('agent not created');
    const cookie = await mintSessionCookie(created.id, services.env.AUTH_SECRET ?? '', false, await startAdminSession(handle.db, created.id));
    return (path: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method: body === undefined && !/take-over|hand-back|resolve/.test(path) ? 'GET' : 'POST',
        headers: { cookie, 'sec-fetch-site': 'same-origin', origin: server.url, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
  } finally {
    await handle.close();
  }
}

/** The customer's widget calls on `server` (everything but the turn itself). */
function customerOf(server: ProductionServer) {
  return (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

it('two production servers: a customer on one asks for a person, an agent on the other steps in and hands back', async () => {
  const services = await startServices();
  const [a, b] = await Promise.all([
    startProductionServer({ port: opsPort(4), env: services.env }),
    startProductionServer({ port: opsPort(5), env: services.env }),
  ]);
  try {
    const asAgent = await signedInAgent(services, b, 'Ana');
    const asCustomer = customerOf(a);

    const sessionId = await newSession(a);
    const ref = sessionRef(sessionId);
    expect((await chat(a, sessionId, 'My parcel never came')).reply).toMatch(/^Mock reply/);
    const asked = await asCustomer('/api/chat/handoff', { sessionId });
    expect(asked.status).toBe(200);
    const modelCalls = services.model.requests.length;

    // B's inbox shows the conversation within 2 s.
    const askedAt = Date.now();
    await waitFor('the inbox on B', async () => {
      const inbox = (await (await asAgent('/api/admin/inbox')).json()) as { waiting: { ref: string }[] };
      return inbox.waiting.some((item) => item.ref === ref) ? true : undefined;
    });
    expect(Date.now() - askedAt).toBeLessThan(2_000);
    expect((await asAgent(`/api/admin/sessions/${ref}/take-over`)).status).toBe(200);

    // The customer's open widget on A waits for news; the agent's reply on B ends the wait within 2 s.
    const before = (await (await asCustomer('/api/session/messages', { sessionId })).json()) as { conversation: { version: number } };
    const news = asCustomer('/api/session/updates', { sessionId, after: before.conversation.version });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sentAt = Date.now();
    expect((await asAgent(`/api/admin/sessions/${ref}/messages`, { text: 'Hi, I am Ana. I am checking with the courier.' })).status).toBe(201);
    expect(((await (await news).json()) as { conversation: { agentName: string } }).conversation.agentName).toBe('Ana');
    expect(Date.now() - sentAt).toBeLessThan(2_000);
    const shown = (await (await asCustomer('/api/session/messages', { sessionId })).json()) as { messages: { role: string; text: string }[] };
    expect(shown.messages.at(-1)).toMatchObject({ role: 'agent', text: 'Hi, I am Ana. I am checking with the courier.' });

    // The customer answers on A; the agent sees it live on B (the inbox's "mine" shows their words).
    const held = await chat(a, sessionId, 'Thank you! Order 4711.');
    expect(held.reply).toBe('');
    await waitFor('the customer reply on B', async () => {
      const inbox = (await (await asAgent('/api/admin/inbox')).json()) as { mine: { ref: string; lastCustomerText: string }[] };
      return inbox.mine.some((item) => item.ref === ref && item.lastCustomerText === 'Thank you! Order 4711.') ? true : undefined;
    });
    // No request reached the model during the human stretch.
    expect(services.model.requests.length).toBe(modelCalls);

    expect((await asAgent(`/api/admin/sessions/${ref}/hand-back`)).status).toBe(200);
    const back = await chat(a, sessionId, 'So when will it arrive?');
    expect(back.reply).toMatch(/^Mock reply to: So when will it arrive\?/);
    const messages = services.model.lastRequest()?.messages ?? [];
    expect(messages).toContainEqual({ role: 'assistant', content: '[Human support agent Ana] Hi, I am Ana. I am checking with the courier.' });
    expect(messages.filter((m) => m.role === 'system' && String(m.content).includes('courier'))).toEqual([]);

    // Every message of every author is one audit entry, in order.
    const trail = await waitFor('the audit trail', async () => {
      const turns = await services.database.sql<{ status: string }[]>`
        select status from turns where session_id = ${ref} order by seq`;
      const events = await services.database.sql<{ kind: string; state: string | null }[]>`
        select kind, state from conversation_events where session_id = ${ref} order by event_seq`;
      return turns.length === 3 && events.length === 4 ? { turns, events } : undefined;
    });
    expect(trail.turns.map((t) => t.status)).toEqual(['ok', 'held', 'ok']);
    expect(trail.events).toEqual([
      { kind: 'state', state: 'waiting' },
      { kind: 'state', state: 'agent' },
      { kind: 'agent_message', state: null },
      { kind: 'state', state: 'assistant' },
    ]);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await services.close();
  }
});

it('an agent\'s messages are audited exactly once across a Redis blip and a kill -9 of their server', async () => {
  const services = await startServices();
  const [a, b] = await Promise.all([
    startProductionServer({ port: opsPort(6), env: services.env }),
    startProductionServer({ port: opsPort(7), env: services.env }),
  ]);
  try {
    const asAgent = await signedInAgent(services, b, 'Bo');
    const asCustomer = customerOf(a);
    const sessionId = await newSession(a);
    const ref = sessionRef(sessionId);
    await chat(a, sessionId, 'I was charged twice');
    expect((await asCustomer('/api/chat/handoff', { sessionId })).status).toBe(200);
    // As an agent does: take it from the inbox once it shows there.
    await waitFor('the inbox on B', async () => {
      const inbox = (await (await asAgent('/api/admin/inbox')).json()) as { waiting: { ref: string }[] };
      return inbox.waiting.some((item) => item.ref === ref) ? true : undefined;
    });
    expect((await asAgent(`/api/admin/sessions/${ref}/take-over`)).status).toBe(200);

    // Redis is unreachable: the message is refused whole (nothing half stored), and sent again once it is back.
    await services.bridge.stop();
    const refused = await asAgent(`/api/admin/sessions/${ref}/messages`, { text: 'First: I see two charges.' });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('memory_unavailable');
    await services.bridge.start();
    expect((await asAgent(`/api/admin/sessions/${ref}/messages`, { text: 'First: I see two charges.' })).status).toBe(201);

    // B answers, then dies before its drain runs: the entry waits in the stream for A's sweep.
    expect((await asAgent(`/api/admin/sessions/${ref}/messages`, { text: 'Second: refund on its way.' })).status).toBe(201);
    await b.stop('SIGKILL');
    expect((await chat(a, sessionId, 'Thanks!')).reply).toBe('');

    const events = await waitFor(
      'every agent message in the audit',
      async () => {
        const rows = await services.database.sql<{ kind: string; text: string | null }[]>`
          select kind, text from conversation_events where session_id = ${ref} order by event_seq`;
        return rows.filter((row) => row.kind === 'agent_message').length === 2 ? rows : undefined;
      },
      45_000,
    );
    expect(events.map((e) => [e.kind, e.text])).toEqual([
      ['state', null],
      ['state', null],
      ['agent_message', 'First: I see two charges.'],
      ['agent_message', 'Second: refund on its way.'],
    ]);
    const turns = await services.database.sql<{ status: string }[]>`select status from turns where session_id = ${ref} order by seq`;
    expect(turns.map((t) => t.status)).toEqual(['ok', 'held']);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await services.close();
  }
}, 90_000);
