/**
 * `npm run bench -- --only e2e [--quick] [--write] [--no-build]` (or `npx tsx scripts/bench-e2e.ts …`)
 *
 * The chat turn end to end, on the production build: Tether's POST /api/chat against a bare route
 * (the same model call through the same SDK client, nothing else) and LangChain.js's
 * `UpstashRedisChatMessageHistory` as the peer, all three served by ONE `next start` with real
 * Postgres, real Redis through the Upstash REST bridge and the mock model. Contenders run in
 * interleaved rounds (the order rotates each round) at 1, 10 and 50 concurrent sessions; then a
 * time-to-first-token phase with a 200 ms first-token delay, and Redis bytes per session after
 * 10/50/200 turns. docs/benchmarks.md explains the method and each figure.
 *
 *   --quick     fewer rounds and turns (under two minutes on a quiet machine, build included)
 *   --no-build  reuse the existing .next-bench build instead of building it again
 *   --write     also write the raw figures to docs/bench-e2e.json
 *
 * Exit code 1 when any contender's replies failed (or Tether's audit did not settle): a failing
 * contender never just looks fast. Exit 2 on bad arguments.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sessionRef } from '@/lib/session-ref';
import { closeAgent, mockReplySaw, postJson, sendTurn, type TurnOutcome } from './bench-e2e/client';
import { buildApp, DIST_DIR, hasBuild, ROOT, startStack, type Stack } from './bench-e2e/stack';
import {
  bytesTable,
  CONTENDERS,
  evaluateGoals,
  goalsTable,
  loadFigures,
  loadTable,
  percentiles,
  textMaker,
  ttftTable,
  type BytesResult,
  type ConcurrencyResult,
  type ContenderName,
  type LoadTotals,
  type TtftResult,
} from './bench-e2e/stats';

interface LoadPlan {
  concurrency: number;
  rounds: number;
  /** Turns each session of a contender sends back to back in one round. */
  turnsPerSession: number;
}

interface Plan {
  warmupRounds: number;
  loads: LoadPlan[];
  /** A customer leaves after this many turns and a new conversation starts (support chats are short). */
  conversationTurns: number;
  ttftTurns: number;
  firstTokenDelayMs: number;
  bytesAfter: number[];
  /** How long Tether's audit may take to show every turn of a slot before the run counts it as failed. */
  auditSettleLimitMs: number;
  /** Hard bound on the whole run; past it the run is stopped, cleaned up and fails. */
  limitMs: number;
}

const FULL: Plan = {
  warmupRounds: 2,
  loads: [
    { concurrency: 1, rounds: 10, turnsPerSession: 30 },
    { concurrency: 10, rounds: 8, turnsPerSession: 10 },
    { concurrency: 50, rounds: 6, turnsPerSession: 6 },
  ],
  conversationTurns: 20,
  ttftTurns: 40,
  firstTokenDelayMs: 200,
  bytesAfter: [10, 50, 200],
  auditSettleLimitMs: 30_000,
  limitMs: 20 * 60_000,
};

const QUICK: Plan = {
  warmupRounds: 1,
  loads: [
    { concurrency: 1, rounds: 4, turnsPerSession: 15 },
    { concurrency: 10, rounds: 3, turnsPerSession: 4 },
    { concurrency: 50, rounds: 3, turnsPerSession: 2 },
  ],
  conversationTurns: 20,
  ttftTurns: 8,
  firstTokenDelayMs: 200,
  bytesAfter: [10, 50, 200],
  auditSettleLimitMs: 10_000,
  limitMs: 5 * 60_000,
};

const TURN_TIMEOUT_MS = 30_000;
const AUDIT_POLL_MS = 20;

const PATHS: Record<ContenderName, string> = {
  bare: '/api/bench/bare',
  tether: '/api/chat',
  langchain: '/api/bench/langchain',
};

const MEMORY: Record<ContenderName, boolean> = { bare: false, tether: true, langchain: true };

/** Failures per contender, with the first few reasons; any makes the run exit 1. */
const failures: Record<ContenderName | 'audit', { count: number; examples: string[] }> = {
  bare: { count: 0, examples: [] },
  tether: { count: 0, examples: [] },
  langchain: { count: 0, examples: [] },
  audit: { count: 0, examples: [] },
};

function fail(who: keyof typeof failures, reason: string): void {
  failures[who].count++;
  if (failures[who].examples.length < 5) failures[who].examples.push(reason);
}

const log = (line = '') => console.log(line);

// ---------------------------------------------------------------------------------------------
// Conversations
// ---------------------------------------------------------------------------------------------

interface Conversation {
  sessionId: string;
  turns: number;
}

async function newSessionId(stack: Stack, contender: ContenderName): Promise<string> {
  if (contender !== 'tether') return randomUUID();
  const res = await postJson(stack.base, '/api/session', {});
  const body = res.status === 201 ? (JSON.parse(res.body) as { sessionId?: unknown }) : {};
  if (typeof body.sessionId !== 'string') throw new Error(`POST /api/session answered ${res.status}: ${res.body.slice(0, 200)}`);
  return body.sessionId;
}

/** One customer of one contender: a sequence of conversations, each `conversationTurns` long. */
class Customer {
  private conversation: Conversation | null = null;
  /** Sessions opened ahead by `prepare`, so no slot spends its timed wall clock on POST /api/session. */
  private readonly opened: string[] = [];
  private readonly text: () => string;

  constructor(
    private readonly stack: Stack,
    readonly contender: ContenderName,
    private readonly conversationTurns: number,
    seed: number,
  ) {
    this.text = textMaker(seed);
  }

  async current(): Promise<Conversation> {
    if (!this.conversation || this.conversation.turns >= this.conversationTurns) {
      const sessionId = this.opened.shift() ?? (await newSessionId(this.stack, this.contender));
      this.conversation = { sessionId, turns: 0 };
    }
    return this.conversation;
  }

  /** Opens now every session the next `turns` turns will need. */
  async prepare(turns: number): Promise<void> {
    const left = this.conversation ? this.conversationTurns - this.conversation.turns : 0;
    const needed = Math.max(0, Math.ceil((turns - left) / this.conversationTurns)) - this.opened.length;
    for (let i = 0; i < needed; i++) this.opened.push(await newSessionId(this.stack, this.contender));
  }

  async turn(conversation: Conversation): Promise<TurnOutcome> {
    const text = this.text();
    const outcome = await sendTurn({
      base: this.stack.base,
      path: PATHS[this.contender],
      body: { sessionId: conversation.sessionId, text },
      timeoutMs: TURN_TIMEOUT_MS,
    });
    const checked = check(this.contender, outcome, text, conversation.turns);
    conversation.turns++;
    return checked;
  }
}

/** A reply counts only if it is the model's answer to this text, with the history the contender claims to keep. */
function check(contender: ContenderName, outcome: TurnOutcome, text: string, priorTurns: number): TurnOutcome {
  if (!outcome.ok) return outcome;
  const saw = mockReplySaw(outcome.reply, text);
  const bad = (failure: string): TurnOutcome => ({ ...outcome, ok: false, failure });
  if (saw === null) return bad(`not the model's reply to this text: ${outcome.reply.slice(0, 120)}`);
  if (contender === 'bare' && saw !== 1) return bad(`bare route sent ${saw} messages`);
  // System prompt + at least one remembered exchange + the new text.
  if (MEMORY[contender] && priorTurns > 0 && saw < 4) {
    const status = outcome.memory ? ` (meta.memory: ${outcome.memory})` : '';
    return bad(`memory lost: the model saw ${saw} messages at turn ${priorTurns + 1}${status}`);
  }
  if (contender === 'tether' && !outcome.auditId) return bad('no auditId in the meta or done event');
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Slots and rounds
// ---------------------------------------------------------------------------------------------

interface SlotResult {
  latencyMs: number[];
  ttftMs: number[];
  failures: number;
  auditIds: string[];
  wallMs: number;
  endedAt: number;
}

/** Every customer sends `turns` turns back to back, all customers at once. */
async function runSlot(customers: readonly Customer[], turns: number): Promise<SlotResult> {
  await Promise.all(customers.map((c) => c.prepare(turns)));
  const result: SlotResult = { latencyMs: [], ttftMs: [], failures: 0, auditIds: [], wallMs: 0, endedAt: 0 };
  const started = performance.now();
  await Promise.all(
    customers.map(async (customer) => {
      for (let i = 0; i < turns; i++) {
        const conversation = await customer.current();
        const outcome = await customer.turn(conversation);
        if (!outcome.ok) {
          result.failures++;
          fail(customer.contender, outcome.failure ?? 'failed');
          continue;
        }
        result.latencyMs.push(outcome.latencyMs);
        result.ttftMs.push(outcome.ttftMs);
        if (outcome.auditId) result.auditIds.push(outcome.auditId);
      }
    }),
  );
  result.endedAt = performance.now();
  result.wallMs = result.endedAt - started;
  return result;
}

/** Polls Postgres until every audit id has a row whose status is final; ms from `since`, NaN when it never settled. */
async function waitForAudit(stack: Stack, plan: Plan, auditIds: readonly string[], since: number): Promise<number> {
  if (auditIds.length === 0) return 0;
  const deadline = performance.now() + plan.auditSettleLimitMs;
  for (;;) {
    stack.benchQueries.count++;
    // A Postgres array literal: the client runs without type fetching (see stack.ts), so it cannot encode arrays itself.
    const [row] = await stack.audit<{ n: number }[]>`
      select count(*)::int as n from turns where audit_id = any(${`{${auditIds.join(',')}}`}::uuid[]) and status <> 'pending'`;
    if ((row?.n ?? 0) >= auditIds.length) return performance.now() - since;
    if (performance.now() > deadline) {
      fail('audit', `${auditIds.length - (row?.n ?? 0)} of ${auditIds.length} turns had no final audit row after ${plan.auditSettleLimitMs} ms`);
      return Number.NaN;
    }
    await sleep(AUDIT_POLL_MS);
  }
}

/** The statistics collector flushes asynchronously (about once a second per backend): wait until the count stops moving. */
async function settledXacts(stack: Stack): Promise<number> {
  await sleep(1_200);
  let last = await stack.postgresXacts();
  for (let i = 0; i < 10; i++) {
    await sleep(500);
    const now = await stack.postgresXacts();
    if (now === last) return now;
    last = now;
  }
  return last;
}

function emptyTotals(): LoadTotals {
  return { turns: 0, failures: 0, wallMs: 0, latencyMs: [], cpuMs: 0, redisRequests: 0 };
}

function rotated<T>(items: readonly T[], by: number): T[] {
  return items.map((_, i) => items[(i + by) % items.length]!);
}

async function runLoad(stack: Stack, plan: Plan, load: LoadPlan, seedBase: number): Promise<ConcurrencyResult> {
  const customers = Object.fromEntries(
    CONTENDERS.map((name, n) => [
      name,
      Array.from({ length: load.concurrency }, (_, i) => new Customer(stack, name, plan.conversationTurns, seedBase + i * 7919 + n)),
    ]),
  ) as Record<ContenderName, Customer[]>;
  const totals = Object.fromEntries(CONTENDERS.map((name) => [name, emptyTotals()])) as Record<ContenderName, LoadTotals>;
  const auditLagMs: number[] = [];

  const xactsBefore = await settledXacts(stack);
  const queriesBefore = stack.benchQueries.count;
  const ownCpuBefore = process.cpuUsage();
  const phaseStart = performance.now();
  process.stdout.write(`measuring ${load.concurrency} session(s): ${load.rounds} rounds × ${load.turnsPerSession} turns per session `);
  for (let round = 0; round < load.rounds; round++) {
    for (const name of rotated(CONTENDERS, round)) {
      const cpuBefore = stack.serverCpuMs();
      const tripsBefore = stack.bridge.roundTrips;
      const slot = await runSlot(customers[name], load.turnsPerSession);
      // Tether's audit work may finish after its replies (a drainer): it is part of the turn's cost, so wait for it here.
      if (name === 'tether') auditLagMs.push(await waitForAudit(stack, plan, slot.auditIds, slot.endedAt));
      const t = totals[name];
      t.cpuMs += stack.serverCpuMs() - cpuBefore;
      t.redisRequests += stack.bridge.roundTrips - tripsBefore;
      t.turns += slot.latencyMs.length;
      t.failures += slot.failures;
      t.wallMs += slot.wallMs;
      t.latencyMs.push(...slot.latencyMs);
      stack.bridge.clearCommands();
      stack.model.clearRequests();
    }
    process.stdout.write('.');
  }
  const ownCpu = process.cpuUsage(ownCpuBefore);
  const benchProcessCores = (ownCpu.user + ownCpu.system) / 1000 / (performance.now() - phaseStart);
  const xactsAfter = await settledXacts(stack);
  const ownQueries = stack.benchQueries.count - queriesBefore;
  process.stdout.write(` done (the benchmark process itself used ${benchProcessCores.toFixed(2)} of a core)\n`);
  return {
    concurrency: load.concurrency,
    figures: Object.fromEntries(CONTENDERS.map((name) => [name, loadFigures(totals[name])])) as ConcurrencyResult['figures'],
    postgresXactPerTurn: (xactsAfter - xactsBefore - ownQueries) / Math.max(1, totals.tether.turns),
    auditLagMs,
    benchProcessCores,
  };
}

async function runWarmup(stack: Stack, plan: Plan): Promise<void> {
  process.stdout.write('warming up (not measured) … ');
  for (let round = 0; round < plan.warmupRounds; round++) {
    for (const name of rotated(CONTENDERS, round)) {
      const customers = Array.from({ length: 5 }, (_, i) => new Customer(stack, name, plan.conversationTurns, 1_000 + i));
      const slot = await runSlot(customers, 4);
      if (name === 'tether') await waitForAudit(stack, plan, slot.auditIds, slot.endedAt);
    }
  }
  process.stdout.write('done\n');
}

/** One customer per contender, one turn each per round, rotating: time to the first `delta` with a slow first token. */
async function runTtft(stack: Stack, plan: Plan): Promise<TtftResult> {
  stack.model.setBehaviour({ firstTokenDelayMs: plan.firstTokenDelayMs });
  const customers = Object.fromEntries(
    CONTENDERS.map((name, n) => [name, new Customer(stack, name, plan.conversationTurns, 50_000 + n)]),
  ) as Record<ContenderName, Customer>;
  const samples = Object.fromEntries(CONTENDERS.map((name) => [name, [] as number[]])) as Record<ContenderName, number[]>;
  const failed = Object.fromEntries(CONTENDERS.map((name) => [name, 0])) as Record<ContenderName, number>;
  process.stdout.write(`measuring time to first token (first token after ${plan.firstTokenDelayMs} ms), ${plan.ttftTurns} turns each … `);
  try {
    for (let round = 0; round < plan.ttftTurns; round++) {
      for (const name of rotated(CONTENDERS, round)) {
        const customer = customers[name];
        const outcome = await customer.turn(await customer.current());
        if (outcome.ok) samples[name].push(outcome.ttftMs);
        else {
          failed[name]++;
          fail(name, `ttft phase: ${outcome.failure}`);
        }
      }
    }
  } finally {
    stack.model.setBehaviour({ firstTokenDelayMs: 0 });
  }
  process.stdout.write('done\n');
  return {
    firstTokenDelayMs: plan.firstTokenDelayMs,
    figures: Object.fromEntries(
      CONTENDERS.map((name) => [name, { turns: samples[name].length, failures: failed[name], ttft: percentiles(samples[name]) }]),
    ) as TtftResult['figures'],
  };
}

/** Bytes of one key; NaN when it does not exist (a contender whose memory is missing must not look small). */
async function memoryUsage(stack: Stack, key: string): Promise<number> {
  const bytes = await stack.redis.sendCommand(['MEMORY', 'USAGE', key, 'SAMPLES', '0']);
  return typeof bytes === 'number' ? bytes : Number.NaN;
}

async function scanKeys(stack: Stack, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of stack.redis.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
    keys.push(...(Array.isArray(batch) ? batch : [batch]).map(String));
  }
  return keys;
}

/** Glob-escapes a literal for SCAN MATCH. */
const globLiteral = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/** One conversation per memory contender, grown turn by turn; bytes of all its keys at each mark. */
async function runBytes(stack: Stack, plan: Plan): Promise<{ bytes: BytesResult; tetherSharedBytes: number }> {
  const last = Math.max(...plan.bytesAfter);
  process.stdout.write(`measuring Redis bytes per session after ${plan.bytesAfter.join('/')} turns … `);
  const tether = new Customer(stack, 'tether', Number.MAX_SAFE_INTEGER, 90_001);
  const langchain = new Customer(stack, 'langchain', Number.MAX_SAFE_INTEGER, 90_002);
  const conversations = { tether: await tether.current(), langchain: await langchain.current() };
  const bytes: BytesResult = { tether: {}, langchain: {} };
  const tetherAuditIds: string[] = [];
  for (let turn = 1; turn <= last; turn++) {
    for (const customer of turn % 2 === 0 ? [tether, langchain] : [langchain, tether]) {
      const name = customer.contender as 'tether' | 'langchain';
      const outcome = await customer.turn(conversations[name]);
      if (!outcome.ok) fail(name, `bytes phase: ${outcome.failure}`);
      else if (outcome.auditId) tetherAuditIds.push(outcome.auditId);
    }
    if (plan.bytesAfter.includes(turn)) {
      const sessionKeys = (await scanKeys(stack, `${globLiteral(stack.keyPrefix)}:*`)).filter((key) => key.includes(sessionRef(conversations.tether.sessionId)));
      let sum = sessionKeys.length > 0 ? 0 : Number.NaN;
      for (const key of sessionKeys) sum += await memoryUsage(stack, key);
      const theirs = await memoryUsage(stack, `${stack.keyPrefix}-langchain:${conversations.langchain.sessionId}`);
      if (Number.isNaN(sum)) fail('tether', `bytes phase: no Redis key names the session after ${turn} turns`);
      if (Number.isNaN(theirs)) fail('langchain', `bytes phase: no history key after ${turn} turns`);
      bytes.tether[String(turn)] = sum;
      bytes.langchain[String(turn)] = theirs;
    }
  }
  await waitForAudit(stack, plan, tetherAuditIds, performance.now());
  // Keys under the prefix that belong to no one session (e.g. an audit stream): reported, not counted per session.
  let tetherSharedBytes = 0;
  for (const key of await scanKeys(stack, `${globLiteral(stack.keyPrefix)}:*`)) {
    if (!/session/.test(key)) tetherSharedBytes += (await memoryUsage(stack, key)) || 0;
  }
  process.stdout.write('done\n');
  return { bytes, tetherSharedBytes };
}

async function idleRates(stack: Stack, ms: number) {
  const cpu = stack.serverCpuMs();
  const trips = stack.bridge.roundTrips;
  await sleep(ms);
  return {
    cpuMsPerSecond: ((stack.serverCpuMs() - cpu) * 1000) / ms,
    redisRequestsPerSecond: ((stack.bridge.roundTrips - trips) * 1000) / ms,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  let values: { quick?: boolean; write?: boolean; 'no-build'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        write: { type: 'boolean', default: false },
        'no-build': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (values.help) {
    console.log('usage: npx tsx scripts/bench-e2e.ts [--quick] [--no-build] [--write]');
    return 0;
  }
  const plan = values.quick ? QUICK : FULL;
  const startedAt = performance.now();

  if (values['no-build'] && hasBuild()) {
    log(`build     reusing ${DIST_DIR} (--no-build)`);
  } else {
    process.stdout.write(`build     next build into ${DIST_DIR} with the benchmark routes … `);
    const buildStart = performance.now();
    buildApp();
    process.stdout.write(`done in ${((performance.now() - buildStart) / 1000).toFixed(1)} s\n`);
  }

  const stack = await startStack({ log });
  let stopping = false;
  const stop = async (code: number, reason: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${reason}; cleaning up`);
    closeAgent();
    await stack.close();
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(130, `got ${signal}`));
  const watchdog = setTimeout(() => void stop(1, `the run passed its bound of ${plan.limitMs / 1000} s`), plan.limitMs);

  const cpus = os.cpus();
  log(
    [
      `date      ${new Date().toISOString()}`,
      `machine   ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      `server    next start (production build ${DIST_DIR}) at ${stack.base}, pid ${stack.serverPid}; Postgres database ${stack.databaseName}; Redis via the Upstash REST bridge at ${stack.bridge.url}; mock model at ${stack.model.url}`,
      `plan      ${values.quick ? 'quick' : 'full'}: ${plan.loads.map((l) => `${l.concurrency} session(s) ${l.rounds} rounds × ${l.turnsPerSession} turns`).join('; ')}; a conversation lasts ${plan.conversationTurns} turns`,
      `keys      ${stack.keyPrefix}:* and ${stack.keyPrefix}-langchain:* (deleted at the end)`,
    ].join('\n'),
  );

  let result: Record<string, unknown> | null = null;
  try {
    await runWarmup(stack, plan);
    const idle = await idleRates(stack, values.quick ? 1_000 : 3_000);
    log(`idle      server CPU ${idle.cpuMsPerSecond.toFixed(1)} ms/s, Redis ${idle.redisRequestsPerSecond.toFixed(1)} requests/s (charged to whichever contender is running)`);
    const loads: ConcurrencyResult[] = [];
    for (const [i, load] of plan.loads.entries()) loads.push(await runLoad(stack, plan, load, 10_000 * (i + 1)));
    const ttft = await runTtft(stack, plan);
    const { bytes, tetherSharedBytes } = await runBytes(stack, plan);
    const goals = evaluateGoals(loads, ttft, bytes);

    for (const load of loads) {
      log(`\n### ${load.concurrency} concurrent session${load.concurrency === 1 ? '' : 's'}\n`);
      log(loadTable(load));
    }
    log(`\n### Time to first token (mock model: first token after ${ttft.firstTokenDelayMs} ms, one session)\n`);
    log(ttftTable(ttft));
    log('\n### Redis bytes of one session (MEMORY USAGE of all its keys)\n');
    log(bytesTable(bytes));
    log(`\nTether keys under the prefix that belong to no session (shared): ${tetherSharedBytes} bytes at the end.`);
    log('\n### Goals\n');
    log(goalsTable(goals));

    result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus.length, model: cpus[0]?.model.trim(), memoryGiB: os.totalmem() / 2 ** 30, node: process.version },
      quick: values.quick,
      plan,
      idle,
      loads,
      ttft,
      bytes,
      tetherSharedBytes,
      goals,
      failures,
    };
  } finally {
    clearTimeout(watchdog);
    closeAgent();
    // The server's own words about failed turns, before its log goes with the data folder.
    if (Object.values(failures).some((f) => f.count > 0)) {
      const lines = readFileSync(stack.logFile, 'utf8').trimEnd().split('\n').slice(-20);
      console.error(`\nlast lines of the server log:\n  ${lines.join('\n  ')}`);
    }
    const problems = await stack.close();
    for (const problem of problems) console.error(`cleanup problem: ${problem}`);
  }

  const file = values.write ? path.join(ROOT, 'docs', 'bench-e2e.json') : path.join(os.tmpdir(), `tether-bench-e2e-${Date.now()}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`\nraw JSON  ${values.write ? path.relative(ROOT, file) : file}`);
  log(`took      ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);

  let code = 0;
  for (const [who, { count, examples }] of Object.entries(failures)) {
    if (count === 0) continue;
    code = 1;
    console.error(`\nFAILED: ${who}: ${count} failure(s), e.g.\n  ${examples.join('\n  ')}`);
  }
  return code;
}

// No top-level await: tsx runs this package's .ts files as CommonJS.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
