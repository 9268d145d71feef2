import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { readChatEvents } from '@/components/chat/sse';
import type { ChatEvent } from '@/lib/chat/events';
import { handleChat } from '@/lib/chat/handler';
import { handleListMessages } from '@/lib/chat/messages';
import { handleCreateSession } from '@/lib/chat/session-handlers';
import { parseConfig } from '@/lib/config';
import { createRuntime, type Runtime } from '@/lib/runtime';
import { createTestDatabase, type TestDatabase } from './db';
import { startMockModel, type MockModel } from './mock-model';
import { connectRedis, deleteKeys } from './redis';
import { TEST_REDIS_URL } from './services';
import { startUpstashBridge, type UpstashBridge } from './upstash-bridge';

/**
 * Which stores the integration suite runs on: `services` (real Postgres, real Redis through the
 * Upstash REST bridge) or `embedded` (PGlite and the in-process store, the zero-setup defaults).
 * The model is always the local mock server, reached through the openai SDK.
 */
export type StackKind = 'services' | 'embedded';

export const STACK: StackKind = process.env.TETHER_TEST_STACK === 'embedded' ? 'embedded' : 'services';

export interface TestStack {
  kind: StackKind;
  runtime: Runtime;
  model: MockModel;
  /** Present on the services stack. */
  bridge: UpstashBridge | null;
  database: TestDatabase | null;
  /** Runs a SQL query on the audit database, whichever driver it uses. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  newSession(): Promise<string>;
  /** POST /api/chat with any body; SSE unless `accept` says otherwise. */
  post(body: unknown, init?: { accept?: string; contentType?: string }): Promise<Response>;
  /** One streamed turn, read to its end, with deferred work (audit writes, summaries) settled. */
  send(sessionId: string, text: string, messageId?: string): Promise<TurnResult>;
  messages(sessionId: string): Promise<Response>;
  /** Waits for everything the handlers deferred (Next's after() in the app), then drains the audit. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface TurnResult {
  status: number;
  events: ChatEvent[];
  reply: string;
  meta: Extract<ChatEvent, { event: 'meta' }>['data'] | undefined;
  error: Extract<ChatEvent, { event: 'error' }>['data'] | undefined;
}

export async function readEvents(response: Response): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  if (!response.body) return events;
  for await (const event of readChatEvents(response.body)) events.push(event);
  return events;
}

export interface StackOptions {
  /** Lets a test put something (e.g. a TCP proxy it can stop) between the app and Postgres. */
  databaseUrl?: (url: string) => string;
}

export async function createTestStack(
  env: Record<string, string> = {},
  kind: StackKind = STACK,
  options: StackOptions = {},
): Promise<TestStack> {
  const model = await startMockModel();
  const runId = randomBytes(4).toString('hex');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tether-test-'));
  let bridge: UpstashBridge | null = null;
  let database: TestDatabase | null = null;
  const base: Record<string, string> = {
    NODE_ENV: 'test',
    TETHER_DATA_DIR: dataDir,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'test-key',
    OPENAI_MODEL: 'mock-model',
    OPENAI_MAX_RETRIES: '2',
    OPENAI_TIMEOUT_MS: '2000',
    MEMORY_KEY_PREFIX: `test:${runId}`,
    MEMORY_SUMMARY: 'off',
    // The stack's requests arrive as through one reverse proxy (X-Forwarded-For set by it).
    TRUST_PROXY: '1',
    // Suites send dozens of turns a second; the rate-limit tests turn it on.
    CHAT_RATE_LIMIT_PER_MINUTE: '0',
    // Roomier than production's 300 ms, so a loaded test machine does not turn into a Redis outage;
    // the timeout tests set their own.
    REDIS_TIMEOUT_MS: '1500',
  };
  if (kind === 'services') {
    bridge = await startUpstashBridge({ token: `token-${runId}`, redisUrl: TEST_REDIS_URL });
    database = await createTestDatabase();
    Object.assign(base, {
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      DATABASE_URL: options.databaseUrl ? options.databaseUrl(database.url) : database.url,
    });
  }
  // The tests drain the audit themselves (settle()), so what they read is never racing a loop.
  const runtime = createRuntime(parseConfig({ ...base, ...env }), { drainLoop: false });
  // PGlite's first open (a few seconds) must not land inside a test's first turn.
  await runtime.database();
  const pending = new Set<Promise<unknown>>();
  const defer = (work: Promise<unknown>) => {
    const tracked = work.catch(() => undefined).finally(() => pending.delete(tracked));
    pending.add(tracked);
  };

  const stack: TestStack = {
    kind,
    runtime,
    model,
    bridge,
    database,
    async query<T = Record<string, unknown>>(text: string, params: unknown[] = []) {
      const handle = await runtime.database();
      if (database) return (await database.sql.unsafe(text, params as never[])) as unknown as T[];
      const client = (handle.db as unknown as { $client: { query<R>(q: string, p: unknown[]): Promise<{ rows: R[] }> } })
        .$client;
      return (await client.query<T>(text, params)).rows;
    },
    async newSession() {
      const response = await handleCreateSession(
        new Request('http://localhost/api/session', { method: 'POST', headers: { 'x-forwarded-for': '203.0.113.7' } }),
        runtime,
      );
      return ((await response.json()) as { sessionId: string }).sessionId;
    },
    post(body, init = {}) {
      const request = new Request('http://localhost/api/chat', {
        method: 'POST',
        headers: {
          'content-type': init.contentType ?? 'application/json',
          accept: init.accept ?? 'text/event-stream',
          'user-agent': 'tether-tests',
          'x-forwarded-for': '203.0.113.7',
          referer: 'http://localhost/help?order=123',
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return handleChat(request, runtime, { defer });
    },
    async send(sessionId, text, messageId) {
      const response = await stack.post({ sessionId, text, ...(messageId ? { messageId } : {}) });
      const events = response.ok ? await readEvents(response) : [];
      await stack.settle();
      return {
        status: response.status,
        events,
        reply: events.flatMap((e) => (e.event === 'delta' ? [e.data.text] : [])).join(''),
        meta: events.find((e): e is Extract<ChatEvent, { event: 'meta' }> => e.event === 'meta')?.data,
        error: events.find((e): e is Extract<ChatEvent, { event: 'error' }> => e.event === 'error')?.data,
      };
    },
    messages(sessionId) {
      const request = new Request('http://localhost/api/session/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId }),
      });
      return handleListMessages(request, runtime);
    },
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
      // What the drain loop does on a server: audit entries reach Postgres.
      await runtime.drainer.drainUntilEmpty();
    },
    async close() {
      await stack.settle();
      await runtime.close();
      await model.close();
      if (bridge) {
        await bridge.close();
        const redis = await connectRedis();
        await deleteKeys(redis, runtime.config.memory.keyPrefix);
        await redis.quit();
      }
      if (database) await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

/**
 * One stack shared by the tests of a `describe` (or file): created before them, closed after them,
 * with the mock model reset before each. The returned object forwards to the live stack.
 */
export function sharedTestStack(env: Record<string, string> = {}, kind: StackKind = STACK): TestStack {
  let live: TestStack | undefined;
  beforeAll(async () => {
    live = await createTestStack(env, kind);
  });
  afterAll(async () => {
    await live?.close();
  });
  beforeEach(() => {
    live?.model.reset();
  });
  return new Proxy({} as TestStack, {
    get(_target, property) {
      if (!live) throw new Error('sharedTestStack: used outside a test');
      return Reflect.get(live, property);
    },
  });
}
