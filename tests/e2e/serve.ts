import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createAgent } from '@/lib/auth/agents';
import { openDatabase } from '@/lib/db/client';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { E2E_ACCOUNTS } from '../support/e2e-accounts';
import { HOST_PAGE_PORT, mockModelPort, stackInfoFile } from './ports';
import { startMockModel, type MockModel } from '../support/mock-model';
import { requireServices, TEST_REDIS_URL } from '../support/services';
import { startUpstashBridge, type UpstashBridge } from '../support/upstash-bridge';
import { type Settings, startProductionServer } from '../support/launcher';

/**
 * Serves the production build for the e2e suite: `--stack services` on a fresh database, real Redis
 * through the bridge and the mock model (its control API on port + 1000); `--stack embedded` on the
 * embedded defaults (PGlite, in-process memory, the demo model), each opted into as production
 * requires. Cleans up when Playwright stops it.
 */

/** The admin console's e2e accounts, created in the fresh database before the server starts. */
async function seedAgents(url: string): Promise<void> {
  const handle = await openDatabase({ kind: 'postgres', url });
  try {
    for (const account of Object.values(E2E_ACCOUNTS)) {
      await createAgent(handle.db, { ...account, name: `E2E ${account.role}` });
    }
  } finally {
    await handle.close();
  }
}

function argument(name: string): string {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? process.argv[index + 1] : undefined;
  if (!value) throw new Error(`usage: tsx tests/e2e/serve.ts --stack services|embedded --port N (missing --${name})`);
  return value;
}

async function main(): Promise<void> {
  const stack = argument('stack');
  const port = Number(argument('port'));
  const dataDir = mkdtempSync(path.join(tmpdir(), `tether-e2e-${stack}-`));
  // The launcher starts from a clean slate: nothing from the developer's shell or .env leaks into the stack.
  const env: Settings = { TETHER_DATA_DIR: dataDir };
  let model: MockModel | null = null;
  let bridge: UpstashBridge | null = null;
  let database: TestDatabase | null = null;

  if (stack === 'services') {
    await requireServices();
    model = await startMockModel({ port: mockModelPort(port) });
    model.setBehaviour({ chunkDelayMs: 15, chunkSize: 6 });
    bridge = await startUpstashBridge({ token: randomBytes(12).toString('hex'), redisUrl: TEST_REDIS_URL });
    database = await createTestDatabase();
    await seedAgents(database.url);
    Object.assign(env, {
      SESSION_SECRET: randomBytes(32).toString('hex'),
      AUTH_SECRET: randomBytes(32).toString('hex'),
      DATABASE_URL: database.url,
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      MEMORY_KEY_PREFIX: `e2e:${randomBytes(4).toString('hex')}`,
      OPENAI_BASE_URL: model.url,
      OPENAI_API_KEY: 'e2e-key',
      OPENAI_MODEL: 'mock-model',
      // Prices for the admin overview's cost figures (the admin-day spec seeds turns of m-alpha).
      MODEL_PRICES: JSON.stringify({ 'm-alpha': { input: 1, output: 2 } }),
      // A second endpoint for replays (the same mock, a priced model name), so the replay spec shows a cost.
      REPLAY_ENDPOINTS: JSON.stringify([{ name: 'mock', baseURL: model.url, models: ['m-alpha'] }]),
      // Short server limits so the e2e can watch them act (defaults: 10 s and 30 s).
      SERVER_HEADERS_TIMEOUT_MS: '3000',
      SERVER_REQUEST_TIMEOUT_MS: '5000',
      // The widget specs embed /widget in a page of another origin (HOST_PAGE_PORT).
      WIDGET_ALLOWED_ORIGINS: `https://shop.example,http://127.0.0.1:${HOST_PAGE_PORT},http://localhost:${HOST_PAGE_PORT}`,
      // The host site's secret for signing its customers (identity verification, docs/identity.md);
      // the identity specs read it from the stack's info file to sign their tokens.
      WIDGET_IDENTITY_SECRET: randomBytes(32).toString('hex'),
    } satisfies Settings);
  } else if (stack === 'embedded') {
    // A production server refuses the embedded defaults unless each is chosen explicitly.
    Object.assign(env, {
      SESSION_SECRET: randomBytes(32).toString('hex'),
      AUTH_SECRET: randomBytes(32).toString('hex'),
      TETHER_ALLOW_EMBEDDED_DATABASE: 'on',
      TETHER_ALLOW_LOCAL_MEMORY: 'on',
      TETHER_ALLOW_DEMO_MODEL: 'on',
    } satisfies Settings);
  } else {
    throw new Error(`unknown stack ${stack}`);
  }

  // Specs that seed known figures or count what was stored reach the stack's database and keys through this file.
  const stateFile = stackInfoFile(port);
  if (database) {
    writeFileSync(
      stateFile,
      JSON.stringify({
        databaseUrl: database.url,
        keyPrefix: env.MEMORY_KEY_PREFIX,
        identitySecret: env.WIDGET_IDENTITY_SECRET,
      }),
    );
  }

  const server = await startProductionServer({
    port,
    env,
    // Next's own default build folder unless the runner names one (npm test: .next-test).
    distDir: process.env.NEXT_DIST_DIR || '.next',
    output: 'inherit',
    // Playwright polls /api/health itself.
    waitForReady: false,
  });

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    void server.stop('SIGTERM', null);
    await Promise.allSettled([model?.close(), bridge?.close(), database?.drop()]);
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(code);
  };
  void server.exited.then((code) => stop(code ?? 1));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
