import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRAIN_SPACING_MS, DRAIN_SWEEP_MS } from '@/lib/audit/drainer';
import { startProductionServer, type ProductionServer } from '../support/launcher';
import { chat, eventually, newSession, startProductionStack, type ProductionStack } from '../support/production';
import { TEST_REDIS_URL } from '../support/services';
import { startUpstashBridge, type UpstashBridge } from '../support/upstash-bridge';

/**
 * What a production server (`next start`) costs in Upstash requests, counted by the REST bridge in
 * front of Redis (issue 21): a turn is begin + commit, the drain after it about one more, an idle
 * server one sweep every DRAIN_SWEEP_MS and no Postgres query, and a crashed instance's entries are
 * still swept up by another instance within the bounds docs/memory.md states.
 */

/** TURN_LEASE_MS default 4000: a turn nobody renews is abandoned after max(4 × lease, 15 s). */
const ABANDON_AFTER_MS = 16_000;
/** Slack for a loaded CI machine on top of each stated bound. */
const SLACK_MS = 4000;

let stack: ProductionStack;
let bridge: UpstashBridge;
let crashBridge: UpstashBridge | undefined;
let crashServer: ProductionServer | undefined;
let crashDataDir: string | undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function statusOf(auditId: string): Promise<string | undefined> {
  const rows = (await stack.database!.sql.unsafe('select status from turns where audit_id = $1', [auditId])) as unknown as {
    status: string;
  }[];
  return rows[0]?.status;
}

/** Resolves with when the turn's row is no longer pending (polled every 20 ms). */
async function settledAt(auditId: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await statusOf(auditId);
    if (status && status !== 'pending') return Date.now();
    if (Date.now() > deadline) throw new Error(`turn ${auditId} still ${status ?? 'absent'} after ${timeoutMs} ms`);
    await sleep(20);
  }
}

function commandNames(from: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const command of bridge.commands.slice(from)) {
    const name = (command[0] ?? '?').toUpperCase();
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

beforeAll(async () => {
  stack = await startProductionStack();
  bridge = stack.bridge!;
}, 120_000);

afterAll(async () => {
  await crashServer?.stop('SIGKILL', null).catch(() => undefined);
  await crashBridge?.close().catch(() => undefined);
  if (crashDataDir) rmSync(crashDataDir, { recursive: true, force: true });
  await stack?.close();
}, 60_000);

describe('Redis requests of a production server (the bridge counts them)', () => {
  it('ten turns one second apart: at most 30 requests with the drain, every row in Postgres within 2 s of its turn', async () => {
    const sessionId = await newSession(stack.url);
    // Warm up: a fresh Redis answers the first EVALSHA of each script with NOSCRIPT (one more request).
    const warm = await chat(stack.url, { sessionId, text: 'warm up' }, { json: true });
    expect(warm.status, JSON.stringify(warm.body)).toBe(200);
    await settledAt((warm.body as { auditId: string }).auditId, 10_000);
    await sleep(DRAIN_SPACING_MS + 500);
    bridge.resetRoundTrips();
    const firstCommand = bridge.commands.length;

    const lags: Promise<number>[] = [];
    for (let i = 0; i < 10; i++) {
      const started = Date.now();
      const turn = await chat(stack.url, { sessionId, text: `message ${i}` }, { json: true });
      const ended = Date.now();
      expect(turn.status, JSON.stringify(turn.body)).toBe(200);
      const auditId = (turn.body as { auditId: string }).auditId;
      lags.push(settledAt(auditId, 10_000).then((at) => at - ended));
      await sleep(Math.max(0, started + 1000 - Date.now()));
    }
    const worstLag = Math.max(...(await Promise.all(lags)));
    // The last drain pass may still be finishing its Postgres write when the row shows: let it end.
    await sleep(300);
    const requests = bridge.roundTrips;
    console.log(`ten turns: ${requests} Redis requests (${JSON.stringify(commandNames(firstCommand))}), worst audit lag ${worstLag} ms`);
    expect(worstLag).toBeLessThanOrEqual(2000);
    expect(requests).toBeLessThanOrEqual(30);
    // Each turn is begin + commit: the rest is the drain, which batches turns when they come close.
    expect(requests).toBeGreaterThanOrEqual(21);
  }, 60_000);

  it(`a crashed instance's entries: in Postgres within ${DRAIN_SWEEP_MS / 1000} s, its turn abandoned within ${(ABANDON_AFTER_MS + DRAIN_SWEEP_MS) / 1000} s (another instance sweeps them)`, async () => {
    // A second instance on the same Redis and Postgres, behind its own bridge.
    crashBridge = await startUpstashBridge({ token: `crash-${randomBytes(4).toString('hex')}`, redisUrl: TEST_REDIS_URL });
    crashDataDir = mkdtempSync(path.join(tmpdir(), 'tether-crash-'));
    crashServer = await startProductionServer({
      port: 20_000 + Math.floor(Math.random() * 20_000),
      env: {
        TETHER_DATA_DIR: crashDataDir,
        SESSION_SECRET: randomBytes(32).toString('hex'),
        AUTH_SECRET: randomBytes(32).toString('hex'),
        OPENAI_BASE_URL: stack.model.url,
        OPENAI_API_KEY: 'prod-test-key',
        OPENAI_MODEL: 'mock-model',
        OPENAI_MAX_RETRIES: '0',
        OPENAI_TIMEOUT_MS: '30000',
        MEMORY_KEY_PREFIX: stack.keyPrefix,
        MEMORY_SUMMARY: 'off',
        REDIS_TIMEOUT_MS: '1000',
        UPSTASH_REDIS_REST_URL: crashBridge.url,
        UPSTASH_REDIS_REST_TOKEN: crashBridge.token,
        DATABASE_URL: stack.database!.url,
      },
      readyWhen: (status) => status < 500 || status === 503,
    });
    const sessionId = await newSession(crashServer.url);
    // The reply never comes: the instance dies mid-turn, its pending entry still in the audit stream.
    stack.model.setBehaviour({ firstTokenDelayMs: 60_000 });
    let auditId: string | undefined;
    const begun = new Promise<void>((resolve) => {
      void chat(
        crashServer!.url,
        { sessionId, text: 'this turn never ends' },
        {
          onEvent: (event) => {
            if (event.event === 'meta') {
              auditId = event.data.auditId;
              resolve();
            }
          },
        },
      );
    });
    await begun;
    await crashServer.stop('SIGKILL', null);
    const crashedAt = Date.now();
    stack.model.setBehaviour({ firstTokenDelayMs: 0 });

    const id = auditId!;
    const inPostgres = await eventually(async () => ((await statusOf(id)) ? Date.now() : undefined), DRAIN_SWEEP_MS + SLACK_MS, 'pending row');
    const abandoned = await eventually(
      async () => ((await statusOf(id)) === 'abandoned' ? Date.now() : undefined),
      ABANDON_AFTER_MS + DRAIN_SWEEP_MS + SLACK_MS,
      'abandoned row',
    );
    console.log(`crash: row in Postgres after ${inPostgres - crashedAt} ms, abandoned after ${abandoned - crashedAt} ms`);
    expect(inPostgres - crashedAt).toBeLessThanOrEqual(DRAIN_SWEEP_MS + SLACK_MS);
    expect(abandoned - crashedAt).toBeLessThanOrEqual(ABANDON_AFTER_MS + DRAIN_SWEEP_MS + SLACK_MS);
  }, 90_000);

  it('an idle server: at most 2 Redis requests in a minute, and no Postgres query', async () => {
    bridge.resetRoundTrips();
    const firstCommand = bridge.commands.length;
    // The test's own connections are idle since the last test: only the server's could be active now.
    const startedAt = Date.now();
    await sleep(60_000);
    const requests = bridge.roundTrips;
    // Live activity of this database's other connections (the server's pool): none since the minute began.
    const [activity] = (await stack.database!.sql.unsafe(
      `select max(state_change) as last from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
    )) as unknown as { last: Date | null }[];
    const last = activity?.last ?? null;
    console.log(`idle minute: ${requests} Redis requests (${JSON.stringify(commandNames(firstCommand))}), last Postgres activity ${last?.toISOString() ?? 'none'}`);
    expect(requests).toBeLessThanOrEqual(2);
    expect(requests).toBeGreaterThanOrEqual(1);
    expect(last === null || new Date(last).getTime() <= startedAt).toBe(true);
  }, 90_000);
});
