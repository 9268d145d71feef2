/**
 * What the end-to-end benchmark runs against: the production build (its own dist dir, with the
 * benchmark routes compiled in), `next start` on a free loopback port, a fresh Postgres database,
 * real Redis through the Upstash REST bridge and the mock model, the last two in this process.
 * Everything it creates (database, Redis keys, data folder, server) is removed by `close()`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { createClient } from 'redis';
import { migratePostgres } from '@/lib/db/client';
import { startProductionServer } from '../../tests/support/launcher';
import { startMockModel, type MockModel } from '../../tests/support/mock-model';
import { startUpstashBridge, type UpstashBridge } from '../../tests/support/upstash-bridge';
import { parseProcStat, ticksToMs, treeTicks, type ProcStat } from './stats';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DIST_DIR = '.next-bench';

const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Builds the production app with the benchmark routes into DIST_DIR. Throws with the build's output on failure. */
export function buildApp(): void {
  const result = spawnSync(process.execPath, [require.resolve('next/dist/bin/next'), 'build'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      NEXT_DIST_DIR: DIST_DIR,
      TETHER_BENCH_ROUTES: '1',
    },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0)
    throw new Error(`next build failed (${result.status ?? result.signal}):\n${output.slice(-4000)}`);
  // A build that does not list the benchmark routes would make two contenders answer 404.
  for (const route of ['/api/bench/bare', '/api/bench/langchain', '/api/chat']) {
    if (!output.includes(route)) throw new Error(`next build did not compile ${route}:\n${output.slice(-4000)}`);
  }
}

export function hasBuild(): boolean {
  try {
    return readFileSync(path.join(ROOT, DIST_DIR, 'BUILD_ID'), 'utf8').length > 0;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A plain node-redis connection; no reconnecting, so an unreachable Redis fails the run at once. */
function redisAdmin() {
  return createClient({ url: REDIS_URL, socket: { reconnectStrategy: false, connectTimeout: 3_000 } });
}

export type RedisAdmin = ReturnType<typeof redisAdmin>;

export interface Stack {
  base: string;
  bridge: UpstashBridge;
  model: MockModel;
  /** Tether's MEMORY_KEY_PREFIX; the LangChain route's keys are under `<prefix>-langchain:`. */
  keyPrefix: string;
  databaseName: string;
  /** Plain clients for measuring; nothing the contenders use. */
  redis: RedisAdmin;
  /** On the `postgres` database: reads pg_stat_database without adding transactions to the bench database. */
  admin: postgres.Sql;
  /** On the bench database: the audit-lag polls. Each query is one transaction there; `benchQueries` counts them. */
  audit: postgres.Sql;
  benchQueries: { count: number };
  serverPid: number;
  logFile: string;
  /** CPU time (user + system) of the server's whole process tree so far, in ms. */
  serverCpuMs(): number;
  /** xact_commit + xact_rollback of the bench database, as the statistics collector has it now. */
  postgresXacts(): Promise<number>;
  close(): Promise<string[]>;
}

const clockTicks = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const value = Number(out.stdout?.trim());
  return Number.isInteger(value) && value > 0 ? value : 100;
})();

function readProcStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat) stats.push(stat);
    } catch {
      // The process ended between readdir and read.
    }
  }
  return stats;
}

export interface StackOptions {
  /** Called with each line of cleanup progress. */
  log: (line: string) => void;
}

export async function startStack({ log }: StackOptions): Promise<Stack> {
  const cleanups: Array<{ name: string; run: () => Promise<unknown> | unknown }> = [];
  const close = async (): Promise<string[]> => {
    const problems: string[] = [];
    for (const { name, run } of cleanups.reverse()) {
      try {
        await run();
      } catch (error) {
        problems.push(`${name}: ${(error as Error).message}`);
      }
    }
    cleanups.length = 0;
    return problems;
  };

  try {
    const keyPrefix = `bench-e2e-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const redis = redisAdmin();
    redis.on('error', () => {});
    await redis.connect();
    cleanups.push({ name: 'redis client', run: () => redis.quit() });
    cleanups.push({
      name: 'redis keys',
      run: async () => {
        let deleted = 0;
        for (const pattern of [`${keyPrefix}:*`, `${keyPrefix}-langchain:*`]) {
          for await (const batch of redis.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
            const keys = (Array.isArray(batch) ? batch : [batch]).map(String);
            if (keys.length > 0) deleted += await redis.del(keys);
          }
        }
        log(`cleanup   deleted ${deleted} Redis keys under ${keyPrefix}:* and ${keyPrefix}-langchain:*`);
      },
    });

    const bridge = await startUpstashBridge({ redisUrl: REDIS_URL, token: randomBytes(16).toString('hex') });
    cleanups.push({ name: 'bridge', run: () => bridge.close() });
    const model = await startMockModel();
    cleanups.push({ name: 'mock model', run: () => model.close() });

    const databaseName = `tether_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
    cleanups.push({ name: 'postgres admin', run: () => admin.end({ timeout: 5 }) });
    await admin.unsafe(`create database "${databaseName}"`);
    cleanups.push({
      name: 'database',
      run: async () => {
        await admin.unsafe(`drop database if exists "${databaseName}" with (force)`);
        log(`cleanup   dropped database ${databaseName}`);
      },
    });
    const databaseUrl = new URL(POSTGRES_URL);
    databaseUrl.pathname = `/${databaseName}`;
    await migratePostgres(databaseUrl.toString());
    const benchQueries = { count: 0 };
    // fetch_types off: no type query on connect, so every transaction this client adds is one we counted.
    const audit = postgres(databaseUrl.toString(), { max: 1, onnotice: () => {}, fetch_types: false });
    cleanups.push({ name: 'postgres audit client', run: () => audit.end({ timeout: 5 }) });

    const dataDir = mkdtempSync(path.join(tmpdir(), 'tether-bench-e2e-'));
    cleanups.push({ name: 'data folder', run: () => rmSync(dataDir, { recursive: true, force: true }) });
    const logFile = path.join(dataDir, 'server.log');
    const port = await freePort();
    // The shared launcher builds a clean environment: nothing from the developer's shell or .env leaks in.
    const server = await startProductionServer({
      port,
      cwd: ROOT,
      distDir: DIST_DIR,
      output: { file: logFile },
      env: {
        TETHER_DATA_DIR: dataDir,
        SESSION_SECRET: randomBytes(32).toString('hex'),
        AUTH_SECRET: randomBytes(32).toString('hex'),
        DATABASE_URL: databaseUrl.toString(),
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: bridge.token,
        MEMORY_KEY_PREFIX: keyPrefix,
        OPENAI_BASE_URL: model.url,
        OPENAI_API_KEY: 'bench-key',
        OPENAI_MODEL: 'mock-model',
        // Customers here type back to back; the per-conversation limit would turn turns into 429s.
        CHAT_RATE_LIMIT_PER_MINUTE: '0',
        // One client (this test) sends every conversation's turns: the per-address limits would refuse it.
        CHAT_PER_IP_PER_MINUTE: '0',
        SESSION_CREATE_PER_IP_PER_MINUTE: '0',
        // The peer does not summarise; a summary is a second model call, not the turn's own overhead.
        MEMORY_SUMMARY: 'off',
        // BENCH_CPU_PROF=<dir>: a CPU profile of the server, written when it stops (docs/benchmarks.md's breakdown).
        ...(process.env.BENCH_CPU_PROF
          ? {
              BENCH_CPU_PROF: process.env.BENCH_CPU_PROF,
              BENCH_CPU_PROF_TOGGLE: process.env.BENCH_CPU_PROF_TOGGLE ?? '',
              NODE_OPTIONS: `--require ${path.join(__dirname, 'cpu-profile.cjs')}`,
            }
          : {}),
      },
    });
    cleanups.push({ name: 'server', run: () => server.stop() });
    const base = server.url;
    const serverPid = server.pid;
    return {
      base,
      bridge,
      model,
      keyPrefix,
      databaseName,
      redis,
      admin,
      audit,
      benchQueries,
      serverPid,
      logFile,
      serverCpuMs: () => ticksToMs(treeTicks(readProcStats(), serverPid), clockTicks),
      postgresXacts: async () => {
        const [row] = await admin<{ n: string }[]>`
          select (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = ${databaseName}`;
        return Number(row?.n ?? Number.NaN);
      },
      close,
    };
  } catch (error) {
    const problems = await close();
    if (problems.length > 0) console.error(`cleanup problems: ${problems.join('; ')}`);
    throw error;
  }
}
