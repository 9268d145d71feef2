/**
 * `npm run bench [-- --only chat|admin|e2e] [--iterations 300] [--warmup 30] [--quick] [--write] [--no-build]`
 *
 * Backs Tether's performance claims with ratios measured side by side in one run, never with
 * absolute numbers from a timed test. Every case runs its contenders interleaved in the same loop
 * (the order rotates each iteration), so machine noise hits them alike. docs/benchmarks.md explains
 * each case and records figures from a reference machine.
 *
 * The chat suite needs a Redis server (TEST_REDIS_URL, default redis://127.0.0.1:6379); it talks to it
 * through the project's Upstash REST bridge, started in this process, and deletes its keys at the end.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from '@upstash/redis';
import { createClient } from 'redis';
import { LocalMemoryStore } from '@/lib/conversation/local/store';
import { RedisMemoryStore } from '@/lib/conversation/redis/store';
import {
  applyCaps,
  MEMORY_LAYOUT_VERSION,
  memoryMessageSchema,
  type Exchange,
  type MemoryCaps,
  type MemoryMessage,
  type MemoryStore,
} from '@/lib/conversation/types';
import type { TurnRecord } from '@/lib/audit/types';
import { createRestClient } from '@/lib/redis/client';
import { assemblePrompt, type ContextTurn, type PromptLimits } from '@/lib/prompt/assemble';
import { estimateTokens } from '@/lib/prompt/tokens';
import { issueSessionId } from '@/lib/session-id';
import { startUpstashBridge, type UpstashBridge } from '../tests/support/upstash-bridge';

const ROOT = path.resolve(__dirname, '..');

/** The naive design's "this session once had memory" marker (30 days), as the first release kept it. */
const SEEN_MARKER_TTL_SECONDS = 30 * 24 * 3600;

/** A minimal audit record for the memory cases: ours carries one through begin and commit, as a turn does. */
function benchRecord(sessionId: string, auditId: string, status: TurnRecord['status']): TurnRecord {
  return {
    auditId,
    sessionId,
    messageId: null,
    userText: 'bench',
    assistantText: status === 'pending' ? null : 'bench reply',
    status,
    memoryStatus: 'ok',
    errorCode: null,
    errorClass: null,
    model: 'bench',
    promptTokens: null,
    completionTokens: null,
    ttftMs: null,
    totalMs: null,
    contextAuditIds: [],
    promptMessages: [],
    createdAt: new Date().toISOString(),
    completedAt: status === 'pending' ? null : new Date().toISOString(),
    client: { userAgent: null, ipHash: null, origin: null },
  };
}

/** One turn's memory work on a store of the current design: begin (lease, window, pending entry), commit. */
async function storeOneTurn(store: MemoryStore, sessionId: string, exchange: Exchange, expect?: { status: string; window: number }) {
  const auditId = randomUUID();
  const begun = await store.begin({
    sessionId,
    auditId,
    leaseMs: 10_000,
    messageId: null,
    pending: benchRecord(sessionId, auditId, 'pending'),
    seed: { seq: 0, kept: 0 },
  });
  if (begun.kind !== 'begun') throw new Error(`${store.kind}: begin answered ${begun.kind}`);
  if (expect && (begun.memory.status !== expect.status || begun.memory.messages.length !== expect.window)) {
    throw new Error(`${store.kind}: loaded ${begun.memory.status} with ${begun.memory.messages.length} messages, expected ${expect.status} with ${expect.window}`);
  }
  const stored = await store.commit({
    sessionId,
    auditId,
    exchange,
    seq: begun.seq,
    seed: null,
    fresh: false,
    final: benchRecord(sessionId, auditId, 'ok'),
    now: new Date(),
  });
  if (stored.kind !== 'stored') throw new Error(`${store.kind}: commit answered ${stored.kind}`);
}

// ---------------------------------------------------------------------------------------------
// Suites. Adding one is one entry here: either an in-process function or a script to spawn.
// ---------------------------------------------------------------------------------------------

interface Suite {
  name: string;
  title: string;
  /** In-process suites. */
  run?: (options: BenchOptions) => Promise<void>;
  /** Suites that live in their own script, run with `npx tsx <script>` after the in-process ones. */
  script?: string;
  /** Flags of this command passed on to the script, for scripts that take them. */
  forwards?: ReadonlyArray<'quick' | 'write' | 'no-build'>;
  /** Diagnostics that explain a figure rather than claim one: run only with `--only <name>`. */
  onlyWhenAsked?: boolean;
}

const SUITES: Suite[] = [
  { name: 'chat', title: 'chat turn: memory round trips, prompt assembly, store backends', run: runChatSuite },
  { name: 'admin', title: 'admin console', script: 'scripts/bench-admin.ts' },
  {
    name: 'e2e',
    title: 'the chat turn end to end on the production build: bare route vs Tether vs LangChain.js',
    script: 'scripts/bench-e2e.ts',
    forwards: ['quick', 'write', 'no-build'],
  },
  {
    name: 'transport',
    title: 'client CPU of one Redis REST request per transport, inside next start and in plain Node',
    script: 'scripts/bench-transport.ts',
    forwards: ['no-build'],
    onlyWhenAsked: true,
  },
  {
    name: 'profile',
    title: "where a turn's server CPU goes, Tether against the bare route (CPU profiles of next start)",
    script: 'scripts/bench-profile.ts',
    forwards: ['no-build'],
    onlyWhenAsked: true,
  },
];

interface BenchOptions {
  iterations: number;
  warmup: number;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      iterations: { type: 'string', default: '300' },
      warmup: { type: 'string', default: '30' },
      // For the suites that take them (see `forwards`): fewer rounds; write the raw figures under docs/;
      // reuse the last production build.
      quick: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const names = SUITES.map((suite) => suite.name);
  if (values.help) {
    console.log(`usage: npm run bench [-- --only ${names.join('|')}] [--iterations N] [--warmup N] [--quick] [--write] [--no-build]`);
    for (const suite of SUITES) console.log(`  ${suite.name.padEnd(8)} ${suite.title}`);
    return 0;
  }
  const options: BenchOptions = {
    iterations: positiveInt('--iterations', values.iterations),
    warmup: positiveInt('--warmup', values.warmup, 0),
  };
  if (values.only !== undefined && !names.includes(values.only)) {
    console.error(`--only must be one of: ${names.join(', ')} (got "${values.only}")`);
    return 2;
  }
  const selected = SUITES.filter((suite) => (values.only === undefined ? !suite.onlyWhenAsked : suite.name === values.only));

  let failures = 0;
  for (const suite of selected) {
    if (suite.script) {
      const file = path.join(ROOT, suite.script);
      if (!existsSync(file)) {
        const message = `${suite.script} does not exist (yet); skipping the ${suite.name} suite.`;
        if (values.only === suite.name) {
          console.error(message);
          return 2;
        }
        console.log(`\n[${suite.name}] ${message}`);
        continue;
      }
      const flags = (suite.forwards ?? []).filter((flag) => values[flag]).map((flag) => `--${flag}`);
      const command = ['tsx', suite.script, ...flags];
      console.log(`\n=== ${suite.name}: ${suite.title} (npx ${command.join(' ')}) ===`);
      const result = spawnSync('npx', command, { cwd: ROOT, stdio: 'inherit' });
      if (result.status !== 0) {
        console.error(`[${suite.name}] exited with ${result.status ?? result.signal}`);
        failures++;
      }
    } else if (suite.run) {
      console.log(`\n=== ${suite.name}: ${suite.title} ===`);
      try {
        await suite.run(options);
      } catch (error) {
        console.error(`[${suite.name}] failed:`, error);
        failures++;
      }
    }
  }
  return failures === 0 ? 0 : 1;
}

function positiveInt(flag: string, raw: string | undefined, min = 1): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    console.error(`${flag} must be an integer >= ${min} (got "${raw}")`);
    process.exit(2);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Measuring and reporting
// ---------------------------------------------------------------------------------------------

interface Contender {
  name: string;
  /** One operation; it must throw when its result is wrong, so a failing contender cannot look fast. */
  op: (iteration: number) => Promise<void> | void;
}

interface Samples {
  name: string;
  ms: number[];
  /** Bridge round trips observed during this contender's measured operations. */
  roundTrips: number;
}

/**
 * Runs `warmup + iterations` rounds; each round runs every contender once, in an order that rotates
 * from round to round, and times each operation on its own.
 */
async function interleaved(
  contenders: Contender[],
  { iterations, warmup }: BenchOptions,
  bridge?: UpstashBridge,
): Promise<Samples[]> {
  const samples: Samples[] = contenders.map((c) => ({ name: c.name, ms: [], roundTrips: 0 }));
  for (let round = 0; round < warmup + iterations; round++) {
    const measured = round >= warmup;
    for (let k = 0; k < contenders.length; k++) {
      const index = (round + k) % contenders.length;
      const contender = contenders[index]!;
      const tripsBefore = bridge?.roundTrips ?? 0;
      const start = performance.now();
      await contender.op(round);
      const elapsed = performance.now() - start;
      if (measured) {
        samples[index]!.ms.push(elapsed);
        samples[index]!.roundTrips += (bridge?.roundTrips ?? 0) - tripsBefore;
      }
    }
  }
  return samples;
}

function quantile(sorted: readonly number[], q: number): number {
  // Nearest rank: an observed value, never an interpolation.
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

interface Stats {
  median: number;
  p95: number;
  mean: number;
}

function stats(ms: readonly number[]): Stats {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    mean: sorted.reduce((sum, x) => sum + x, 0) / Math.max(1, sorted.length),
  };
}

function table(header: string[], rows: string[][], rightAligned: number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number) =>
    rightAligned.includes(i) ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (rightAligned.includes(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const ms = (value: number) => value.toFixed(3);
const us = (value: number) => (value * 1000).toFixed(1);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

// ---------------------------------------------------------------------------------------------
// The chat suite
// ---------------------------------------------------------------------------------------------

const WORDS = (
  'order parcel refund invoice tracking delivery address payment card bank subscription plan upgrade ' +
  'password login account email phone number bike frame wheel tyre brake chain warranty repair shop ' +
  'yesterday tomorrow monday week month please thanks hello sorry problem still again already never ' +
  'arrived broken missing wrong charged twice cancel change update check status help when where why how ' +
  'the a my your our it is was has have not can could would should will to from for with about on in at'
).split(' ');

/** Deterministic pseudo-random text, so every run benchmarks the same conversation. */
function textMaker(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return (minWords: number, maxWords: number): string => {
    const count = minWords + Math.floor(next() * (maxWords - minWords + 1));
    const words = Array.from({ length: count }, () => WORDS[Math.floor(next() * WORDS.length)]!);
    return `${words.join(' ')}${next() < 0.5 ? '?' : '.'} #${Math.floor(next() * 100_000)}`;
  };
}

function storedMessage(role: 'user' | 'assistant', text: string, at: string, auditId: string): MemoryMessage {
  // As the turn stores it: the token estimate is computed once, when the message is written.
  return { role, text, at, tokens: estimateTokens(text), auditId };
}

function exchangePool(size: number, seed: number): Exchange[] {
  const text = textMaker(seed);
  const at = new Date().toISOString();
  return Array.from({ length: size }, (_, i) => ({
    user: storedMessage('user', text(8, 40), at, `bench-audit-${seed}-${i}`),
    assistant: storedMessage('assistant', text(30, 90), at, `bench-audit-${seed}-${i}`),
  }));
}

/**
 * The design Tether avoids: the same memory work as RedisMemoryStore.begin + append, one REST request
 * per Redis command (the trimming rule runs in the app instead of Lua). Same key layout, same client
 * settings (no auto-pipelining, no retries), same validation of what it reads. Sequential, as code
 * written command by command is; and, unlike the scripts, not atomic and with no holder check.
 */
class NaiveRedisMemory {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly caps: MemoryCaps,
  ) {}

  private keys(sessionId: string) {
    const base = `${this.keyPrefix}:v${MEMORY_LAYOUT_VERSION}:session:{${sessionId}}`;
    return { meta: base, messages: `${base}:messages`, lock: `${base}:lock`, seen: `${base}:seen` };
  }

  /** HGETALL meta, LRANGE messages, EXISTS seen, SET lock NX PX: 4 round trips. */
  async begin(sessionId: string, lockToken: string, lockTtlMs: number) {
    const k = this.keys(sessionId);
    // Without automatic deserialization the client hands back HGETALL's flat [field, value, …] array.
    const metaPairs = (await this.redis.hgetall(k.meta)) as unknown as string[] | null;
    const items = await this.redis.lrange(k.messages, 0, -1);
    const seen = await this.redis.exists(k.seen);
    const locked = await this.redis.set(k.lock, lockToken, { nx: true, px: lockTtlMs });
    if (locked === null) return { kind: 'busy' as const };
    const messages = items.map((item) => memoryMessageSchema.parse(JSON.parse(item)));
    const meta: Record<string, string> = {};
    for (let i = 0; metaPairs && i + 1 < metaPairs.length; i += 2) meta[metaPairs[i]!] = metaPairs[i + 1]!;
    const hasRecord = Object.keys(meta).length > 0;
    if (hasRecord && meta.v !== String(MEMORY_LAYOUT_VERSION)) throw new Error('naive: foreign record layout');
    const status = hasRecord ? 'ok' : seen === 1 ? 'expired' : 'new';
    return { kind: 'loaded' as const, status, messages, hasRecord };
  }

  /** RPUSH ×2, LRANGE, LTRIM, HINCRBY, HSET, EXPIRE ×2, SET seen, DEL lock: 10 round trips. */
  async append(sessionId: string, exchange: Exchange, hasRecord: boolean, now: Date) {
    const k = this.keys(sessionId);
    await this.redis.rpush(k.messages, JSON.stringify(exchange.user));
    await this.redis.rpush(k.messages, JSON.stringify(exchange.assistant));
    const items = await this.redis.lrange(k.messages, 0, -1);
    const { evicted } = applyCaps(
      items.map((item) => memoryMessageSchema.parse(JSON.parse(item))),
      this.caps,
    );
    await this.redis.ltrim(k.messages, evicted.length, -1);
    const seq = await this.redis.hincrby(k.meta, 'seq', 1);
    const at = now.toISOString();
    await this.redis.hset(
      k.meta,
      hasRecord ? { lastActivityAt: at } : { v: String(MEMORY_LAYOUT_VERSION), createdAt: at, lastActivityAt: at },
    );
    await this.redis.expire(k.meta, this.caps.ttlSeconds);
    await this.redis.expire(k.messages, this.caps.ttlSeconds);
    await this.redis.set(k.seen, '1', { ex: SEEN_MARKER_TTL_SECONDS });
    await this.redis.del(k.lock);
    return { seq, evicted };
  }
}

interface MemoryCaseResult {
  window: number;
  local: Stats;
  ours: Stats;
  naive: Stats;
  oursTrips: number;
  naiveTrips: number;
}

interface PromptCaseResult {
  history: number;
  stored: Stats;
  retokenised: Stats;
}

async function runChatSuite(options: BenchOptions): Promise<void> {
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `tether-bench-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const started = performance.now();

  const admin = adminClient(redisUrl);
  admin.on('error', () => {}); // connect() below reports the failure that matters.
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `cannot reach Redis at ${redisUrl} (${(error as Error).message}); start it or set TEST_REDIS_URL`,
    );
  }
  const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?';
  const bridge = await startUpstashBridge({ redisUrl, token: randomBytes(16).toString('hex') });

  const cpus = os.cpus();
  console.log(
    [
      `date      ${new Date().toISOString()}`,
      `machine   ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}`,
      `runtime   Node ${process.version}; Redis ${redisVersion} at ${redisUrl}, reached through the Upstash REST bridge (in-process) at ${bridge.url}`,
      `method    ${options.iterations} measured rounds per case after ${options.warmup} warm-up rounds; contenders interleaved, order rotating`,
      `keys      ${prefix}:* (deleted at the end)`,
    ].join('\n'),
  );

  let memory: MemoryCaseResult[] = [];
  let prompt: PromptCaseResult[] = [];
  try {
    memory = await memoryCases(options, bridge, prefix);
    prompt = promptCases(options);
  } finally {
    const deleted = await deleteKeys(admin, `${prefix}:*`);
    const left = await countKeys(admin, `${prefix}:*`);
    console.log(`\ncleanup   deleted ${deleted} keys under ${prefix}:*; ${left} left`);
    await bridge.close();
    await admin.quit();
  }

  printMemory(memory);
  printPrompt(prompt);
  console.log(`\nchat suite finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const wrong = memory.filter((m) => m.oursTrips !== 2);
  if (wrong.length > 0) {
    throw new Error(
      `the memory path took ${wrong.map((m) => `${m.oursTrips} round trips (window ${m.window})`).join(', ')}, not 2 per turn`,
    );
  }
}

/** Cases (a) and (c): one chat turn's memory work (begin + append) for each window size. */
async function memoryCases(options: BenchOptions, bridge: UpstashBridge, prefix: string): Promise<MemoryCaseResult[]> {
  const secret = randomBytes(32).toString('base64url');
  const lockTtlMs = 10_000;
  const results: MemoryCaseResult[] = [];

  for (const window of [0, 10, 50]) {
    // Window 0: every turn is a conversation's first (a new session each time). Otherwise one session
    // holding `window` messages; the caps keep it there, so each turn loads `window` messages, appends
    // 2 and evicts the oldest 2 (the steady state of a long conversation).
    const caps: MemoryCaps = { maxTurns: window === 0 ? 10 : window / 2, maxTokens: 1_000_000, ttlSeconds: 1800 };
    const ours = new RedisMemoryStore({
      // Generous: the benchmark measures latency; a slow outlier must not turn into a failed turn.
      redis: createRestClient({ url: bridge.url, token: bridge.token, timeoutMs: 10_000, retries: 0 }),
      keyPrefix: `${prefix}:ours`,
      caps,
    });
    const naive = new NaiveRedisMemory(
      new Redis({
        url: bridge.url,
        token: bridge.token,
        enableTelemetry: false,
        automaticDeserialization: false,
        enableAutoPipelining: false,
        retry: { retries: 0 },
        signal: () => AbortSignal.timeout(10_000),
      }),
      `${prefix}:naive`,
      caps,
    );
    const local = new LocalMemoryStore(caps, { write: async () => undefined });
    const pool = exchangePool(64, 1000 + window);
    const exchangeFor = (i: number) => pool[i % pool.length]!;

    const fixed = { ours: issueSessionId(secret), naive: issueSessionId(secret), local: issueSessionId(secret) };
    if (window > 0) {
      for (let i = 0; i < window / 2; i++) {
        const now = new Date();
        const token = randomUUID();
        await storeOneTurn(ours, fixed.ours, exchangeFor(i));
        const begun = await naive.begin(fixed.naive, token, lockTtlMs);
        if (begun.kind !== 'loaded') throw new Error('naive setup: busy');
        await naive.append(fixed.naive, exchangeFor(i), begun.hasRecord, now);
        await storeOneTurn(local, fixed.local, exchangeFor(i));
      }
    }
    // Fresh ids are issued up front, so the HMAC of issuing one is not part of the measured turn.
    const rounds = options.warmup + options.iterations;
    const freshIds = {
      ours: Array.from({ length: rounds }, () => issueSessionId(secret)),
      naive: Array.from({ length: rounds }, () => issueSessionId(secret)),
      local: Array.from({ length: rounds }, () => issueSessionId(secret)),
    };
    const session = (design: keyof typeof fixed, round: number) =>
      window === 0 ? freshIds[design][round]! : fixed[design];
    const expectedStatus = window === 0 ? 'new' : 'ok';

    const storeTurn = (store: RedisMemoryStore | LocalMemoryStore, design: 'ours' | 'local') => (i: number) =>
      storeOneTurn(store, session(design, i), exchangeFor(i + window / 2), { status: expectedStatus, window });
    const naiveTurn = async (i: number) => {
      const id = session('naive', i);
      const token = randomUUID();
      const begun = await naive.begin(id, token, lockTtlMs);
      if (begun.kind !== 'loaded' || begun.status !== expectedStatus || begun.messages.length !== window) {
        throw new Error(`naive: unexpected begin result ${JSON.stringify(begun).slice(0, 200)}`);
      }
      await naive.append(id, exchangeFor(i + window / 2), begun.hasRecord, new Date());
    };

    process.stdout.write(`\nmeasuring memory, window ${window} … `);
    const [localSamples, oursSamples, naiveSamples] = await interleaved(
      [
        { name: 'local', op: storeTurn(local, 'local') },
        { name: 'ours', op: storeTurn(ours, 'ours') },
        { name: 'naive', op: naiveTurn },
      ],
      options,
      bridge,
    );
    process.stdout.write('done');
    results.push({
      window,
      local: stats(localSamples!.ms),
      ours: stats(oursSamples!.ms),
      naive: stats(naiveSamples!.ms),
      oursTrips: oursSamples!.roundTrips / options.iterations,
      naiveTrips: naiveSamples!.roundTrips / options.iterations,
    });
  }
  process.stdout.write('\n');
  return results;
}

/** Case (b): assembling the prompt with stored token estimates vs. re-tokenising the history every turn. */
function promptCases(options: BenchOptions): PromptCaseResult[] {
  const results: PromptCaseResult[] = [];
  const systemPrompt =
    'You are a friendly, concise customer-support assistant for Acme Bikes. Answer the customer\'s questions, ' +
    'ask for details when you need them, and say so plainly when you do not know something.';
  for (const history of [10, 50, 200]) {
    const text = textMaker(7 + history);
    const at = new Date().toISOString();
    const turns: ContextTurn[] = Array.from({ length: history }, (_, i) => {
      const role = i % 2 === 0 ? ('user' as const) : ('assistant' as const);
      const body = role === 'user' ? text(8, 40) : text(30, 90);
      return { role, text: body, at, auditId: `audit-${i >> 1}`, tokens: estimateTokens(body) };
    });
    const questions = Array.from({ length: 32 }, () => text(5, 30));
    // Limits that let every remembered message in, so both contenders assemble the same prompt.
    const limits: PromptLimits = { maxTurns: history / 2, maxContextTokens: 1_000_000, messageMaxChars: 4000 };
    const input = (i: number, withTurns: ContextTurn[]) => ({
      systemPrompt,
      summary: null,
      turns: withTurns,
      userText: questions[i % questions.length]!,
      limits,
    });
    let sink = 0;
    const check = (included: number) => {
      if (included !== history / 2) throw new Error(`prompt kept ${included} exchanges, expected ${history / 2}`);
    };

    process.stdout.write(`measuring prompt assembly, ${history} messages … `);
    // Synchronous contenders: no await between them, so the interleaving is exact.
    const samples = runSync(
      [
        {
          name: 'stored',
          op: (i) => {
            const prompt = assemblePrompt(input(i, turns));
            check(prompt.includedAuditIds.length);
            sink += prompt.estimatedTokens;
          },
        },
        {
          name: 'retokenised',
          op: (i) => {
            const recounted = turns.map((turn) => ({ ...turn, tokens: estimateTokens(turn.text) }));
            const prompt = assemblePrompt(input(i, recounted));
            check(prompt.includedAuditIds.length);
            sink += prompt.estimatedTokens;
          },
        },
      ],
      options,
    );
    process.stdout.write(`done (${sink > 0 ? 'ok' : '?'})\n`);
    results.push({ history, stored: stats(samples[0]!.ms), retokenised: stats(samples[1]!.ms) });
  }
  return results;
}

function runSync(contenders: Array<{ name: string; op: (i: number) => void }>, { iterations, warmup }: BenchOptions) {
  const samples = contenders.map((c) => ({ name: c.name, ms: [] as number[] }));
  for (let round = 0; round < warmup + iterations; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const index = (round + k) % contenders.length;
      const start = performance.now();
      contenders[index]!.op(round);
      const elapsed = performance.now() - start;
      if (round >= warmup) samples[index]!.ms.push(elapsed);
    }
  }
  return samples;
}

function printMemory(results: MemoryCaseResult[]): void {
  if (results.length === 0) return;
  console.log('\n(a) Memory cost of one chat turn (begin + append) through the Upstash REST bridge');
  console.log('    ours = RedisMemoryStore (2 Lua scripts); naive = the same work, one REST request per command\n');
  console.log(
    table(
      ['window', 'design', 'round trips/turn', 'median ms', 'p95 ms', 'mean ms'],
      results.flatMap((r) => [
        [String(r.window), 'ours', r.oursTrips.toFixed(2), ms(r.ours.median), ms(r.ours.p95), ms(r.ours.mean)],
        [String(r.window), 'naive', r.naiveTrips.toFixed(2), ms(r.naive.median), ms(r.naive.p95), ms(r.naive.mean)],
        [
          String(r.window),
          'naive / ours',
          ratio(r.naiveTrips, r.oursTrips),
          ratio(r.naive.median, r.ours.median),
          ratio(r.naive.p95, r.ours.p95),
          ratio(r.naive.mean, r.ours.mean),
        ],
      ]),
      [2, 3, 4, 5],
    ),
  );

  console.log('\n(c) In-process store vs. Redis through the bridge, per turn (begin + append), same loop as (a)\n');
  console.log(
    table(
      ['window', 'local median ms', 'local p95 ms', 'redis median ms', 'redis p95 ms', 'redis / local (median)', 'redis / local (p95)'],
      results.map((r) => [
        String(r.window),
        ms(r.local.median),
        ms(r.local.p95),
        ms(r.ours.median),
        ms(r.ours.p95),
        ratio(r.ours.median, r.local.median),
        ratio(r.ours.p95, r.local.p95),
      ]),
      [1, 2, 3, 4, 5, 6],
    ),
  );
}

function printPrompt(results: PromptCaseResult[]): void {
  if (results.length === 0) return;
  console.log('\n(b) Prompt assembly per turn: stored token estimates vs. re-tokenising every remembered message\n');
  console.log(
    table(
      ['history', 'stored median µs', 'stored p95 µs', 're-tokenised median µs', 're-tokenised p95 µs', 're-tok / stored (median)', 're-tok / stored (p95)'],
      results.map((r) => [
        `${r.history} msgs`,
        us(r.stored.median),
        us(r.stored.p95),
        us(r.retokenised.median),
        us(r.retokenised.p95),
        ratio(r.retokenised.median, r.stored.median),
        ratio(r.retokenised.p95, r.stored.p95),
      ]),
      [1, 2, 3, 4, 5, 6],
    ),
  );
}

/** A plain node-redis connection, for the server version and the cleanup (not part of any measurement). */
function adminClient(url: string) {
  // No reconnecting: an unreachable Redis must fail the run at once, not retry forever.
  return createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 3_000 } });
}

type AdminClient = ReturnType<typeof adminClient>;

async function deleteKeys(client: AdminClient, pattern: string): Promise<number> {
  let deleted = 0;
  for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
    const keys = (Array.isArray(batch) ? batch : [batch]).map(String);
    if (keys.length > 0) deleted += await client.del(keys);
  }
  return deleted;
}

async function countKeys(client: AdminClient, pattern: string): Promise<number> {
  let count = 0;
  for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
    count += Array.isArray(batch) ? batch.length : 1;
  }
  return count;
}

// No top-level await: tsx runs this package's .ts files as CommonJS.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
