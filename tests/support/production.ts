import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readChatEvents } from '@/components/chat/sse';
import type { ChatEvent } from '@/lib/chat/events';
import { createTestDatabase, type TestDatabase } from './db';
import { type ProductionServer, type Settings, startProductionServer } from './launcher';
import { startMockModel, type MockModel } from './mock-model';
import { connectRedis, deleteKeys } from './redis';
import { TEST_REDIS_URL } from './services';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { startUpstashBridge, type UpstashBridge } from './upstash-bridge';

/**
 * The production build (`next build` into NEXT_DIST_DIR, default .next-test) served by `next start`
 * (through tests/support/launcher.ts) on real services, with every part a test can break: Postgres
 * behind a TCP proxy it can cut, Redis behind the Upstash REST bridge it can stop or make
 * misbehave, the mock model, and the server process itself, which it can kill -9 and start again
 * on the same stack.
 */

export interface ProductionStack {
  url: string;
  model: MockModel;
  bridge: UpstashBridge | null;
  proxy: TcpProxy | null;
  database: TestDatabase | null;
  keyPrefix: string;
  /** Everything the server printed, for assertions on its logs. */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same stack (same database, Redis prefix, secrets, data folder). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface ProductionOptions {
  stack?: 'services' | 'embedded';
  env?: Settings;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startProductionStack(options: ProductionOptions = {}): Promise<ProductionStack> {
  const kind = options.stack ?? 'services';
  const runId = randomBytes(4).toString('hex');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tether-prod-'));
  const model = await startMockModel();
  let bridge: UpstashBridge | null = null;
  let proxy: TcpProxy | null = null;
  let database: TestDatabase | null = null;
  const keyPrefix = `prod:${runId}`;
  const env: Settings = {
    TETHER_DATA_DIR: dataDir,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    AUTH_SECRET: randomBytes(32).toString('hex'),
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'prod-test-key',
    OPENAI_MODEL: 'mock-model',
    OPENAI_MAX_RETRIES: '0',
    OPENAI_TIMEOUT_MS: '3000',
    MEMORY_KEY_PREFIX: keyPrefix,
    MEMORY_SUMMARY: 'off',
    CHAT_RATE_LIMIT_PER_MINUTE: '0',
    // One client (this test) sends every conversation's turns: the per-address limits would refuse it.
    CHAT_PER_IP_PER_MINUTE: '0',
    SESSION_CREATE_PER_IP_PER_MINUTE: '0',
    // A loaded test machine must not look like a Redis outage; the late-reply fault answers after 1.5 s.
    REDIS_TIMEOUT_MS: '1000',
    // Opt-ins a production server needs for the embedded defaults (ignored where they do not apply).
    TETHER_ALLOW_EMBEDDED_DATABASE: 'on',
    TETHER_ALLOW_LOCAL_MEMORY: 'on',
  };
  if (kind === 'services') {
    bridge = await startUpstashBridge({ token: `token-${runId}`, redisUrl: TEST_REDIS_URL });
    database = await createTestDatabase();
    proxy = await startTcpProxy(Number(new URL(database.url).port || 5432));
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    Object.assign(env, {
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      DATABASE_URL: viaProxy.toString(),
    } satisfies Settings);
  }
  Object.assign(env, options.env ?? {});

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let server: ProductionServer | null = null;
  /** What this stack's earlier servers printed: a test reads the log across a kill and restart. */
  let earlier = '';

  async function start(): Promise<void> {
    server = await startProductionServer({
      port,
      env,
      // 500, 502 and 504 mean "not up yet"; 503 is a running server reporting a backend down.
      readyWhen: (status) => status < 500 || status === 503,
    });
  }

  async function kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const running = server;
    if (!running) return;
    // No SIGKILL after a grace period: a test may be watching what a graceful shutdown keeps.
    await running.stop(signal, null);
    earlier += running.output();
    server = null;
  }

  await start();
  return {
    url,
    model,
    bridge,
    proxy,
    database,
    keyPrefix,
    output: () => earlier + (server?.output() ?? ''),
    kill,
    restart: start,
    async close() {
      await kill('SIGTERM');
      await model.close();
      await proxy?.start().catch(() => undefined);
      await bridge?.close();
      await proxy?.close();
      if (kind === 'services') {
        const redis = await connectRedis();
        await deleteKeys(redis, keyPrefix);
        await redis.quit();
      }
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface HttpTurn {
  status: number;
  events: ChatEvent[];
  reply: string;
  meta: Extract<ChatEvent, { event: 'meta' }>['data'] | undefined;
  done: Extract<ChatEvent, { event: 'done' }>['data'] | undefined;
  error: Extract<ChatEvent, { event: 'error' }>['data'] | undefined;
  body: unknown;
  ms: number;
}

export async function newSession(url: string): Promise<string> {
  const response = await fetch(`${url}/api/session`, { method: 'POST' });
  if (response.status !== 201) throw new Error(`POST /api/session answered ${response.status}`);
  return ((await response.json()) as { sessionId: string }).sessionId;
}

/** One turn over HTTP, read to its end (SSE unless `json`). Never throws for a dropped connection. */
export async function chat(
  url: string,
  body: { sessionId: string; text: string; messageId?: string },
  options: { json?: boolean; onEvent?: (event: ChatEvent) => void; timeoutMs?: number } = {},
): Promise<HttpTurn> {
  const started = Date.now();
  const turn: HttpTurn = {
    status: 0,
    events: [],
    reply: '',
    meta: undefined,
    done: undefined,
    error: undefined,
    body: null,
    ms: 0,
  };
  try {
    const response = await fetch(`${url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: options.json ? 'application/json' : 'text/event-stream' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    turn.status = response.status;
    if (options.json || !response.ok || !response.body) {
      turn.body = await response.json().catch(() => null);
    } else {
      for await (const event of readChatEvents(response.body)) {
        turn.events.push(event);
        options.onEvent?.(event);
        if (event.event === 'meta') turn.meta = event.data;
        if (event.event === 'delta') turn.reply += event.data.text;
        if (event.event === 'done') turn.done = event.data;
        if (event.event === 'error') turn.error = event.data;
      }
    }
  } catch {
    // The server died or the connection dropped: the caller sees no `done`.
  }
  turn.ms = Date.now() - started;
  return turn;
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
