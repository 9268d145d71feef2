/**
 * `npx tsx scripts/bench-profile.ts [--no-build] [--turns 300] [--sessions 10]`: where a turn's
 * server CPU goes, Tether against the bare route. On the e2e benchmark's build and stack
 * (scripts/bench-e2e/stack.ts) the server runs with the CPU-profile preload
 * (scripts/bench-e2e/cpu-profile.cjs); after a warm-up, each contender in turn runs the same number
 * of turns with the profiler on, and every sample is charged to the nearest frame of a known owner
 * (source-mapped to the original file: lib/<area>, a package, Node's HTTP or fetch, Next.js…).
 * Prints ms per turn per owner for both contenders and the difference: docs/benchmarks.md,
 * "Where a turn's CPU goes".
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { closeAgent, postJson, sendTurn } from './bench-e2e/client';
import { buildApp, DIST_DIR, hasBuild, type Stack, startStack } from './bench-e2e/stack';
import { textMaker } from './bench-e2e/stats';

type Contender = 'bare' | 'tether';
const PATHS: Record<Contender, string> = { bare: '/api/bench/bare', tether: '/api/chat' };
const CONVERSATION_TURNS = 20;

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Owners in three tiers. A sample goes to the nearest frame (from its leaf up) of the first tier
 * present in its stack: the code that asked for the work (ours or a library) before the transport
 * that did it, before generic machinery (streams, sockets, async hooks). So JSON.parse inside the
 * conversation store is the store's, a socket write under undici is fetch's, and undici's own
 * continuations (a response arriving) stay fetch's.
 */
const OWNERS: Array<[RegExp, string, 1 | 2 | 3]> = [
  [/node_modules\/zod\//, 'zod (validation)', 1],
  [/(@|%40)upstash\/redis\//, '@upstash/redis (commands, HttpClient)', 1],
  [/node_modules\/openai\//, 'OpenAI SDK (model client)', 1],
  [/node_modules\/(postgres|drizzle-orm)\//, 'Postgres driver (audit drain)', 1],
  [/node_modules\/gpt-tokenizer\//, 'gpt-tokenizer', 1],

  [/node_modules\/(jose|uuid)\//, 'jose / uuid', 1],
  [
    /webpack:\/\/next|next\/dist|compiled\/next-server|\[turbopack\]|turbopack:/,
    'Next.js (routing, request, response)',
    2,
  ],
  [/(^|\/)(lib|app)\/[^/]+\/[^/]+/, '', 1],
  [/undici/, 'fetch (undici)', 2],
  [/node_modules\/(@|%40)opentelemetry\//, 'OpenTelemetry API (no-op spans)', 2],
  [/node:_http_client|node:_http_agent/, 'node:http client', 2],
  [/node:_http_server|node:_http_outgoing|node:_http_common|node:_http_incoming/, 'node:http (server side)', 2],
  [/node:internal\/webstreams|node:internal\/worker\/js_transferable/, 'web streams (ReadableStream)', 3],
  [/node:net|node:stream|node:internal\/streams|stream_base_commons/, 'sockets and node streams', 3],
  [/async_hooks/, 'async hooks (AsyncLocalStorage)', 3],
];

function ownerOf(source: string): { name: string; tier: number } | null {
  for (const [pattern, name, tier] of OWNERS) {
    if (!pattern.test(source)) continue;
    if (name !== '') return { name, tier };
    // lib/<area>/<file>: the area, or the file for lib/chat and lib/http (their files own different concerns).
    const [, , top, area, file] = /(^|\/)(lib|app)\/([^/]+)\/([^/:]+)/.exec(source) ?? [];
    if (top === 'app') return { name: 'app routes', tier };
    return { name: area === 'chat' || area === 'http' ? `lib/${area}/${file}` : `lib/${area}`, tier };
  }
  return null;
}

const maps = new Map<string, SourceMap | null>();

/** The original file of a frame in a built chunk (through its .map), else the frame's own URL. */
function sourceOf(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const { url, lineNumber, columnNumber } = frame;
  if (!url.startsWith('file://')) return url;
  const file = url.slice('file://'.length);
  if (!maps.has(file)) {
    const mapFile = `${file}.map`;
    maps.set(file, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : null);
  }
  const entry = maps.get(file)?.findEntry(lineNumber, columnNumber) as { originalSource?: string } | undefined;
  return entry?.originalSource ?? url;
}

/** Sampled ms per owner, and the ms of the top self-time frames (for finding what to fix). */
function summarise(profile: CpuProfile): { owners: Map<string, number>; frames: Map<string, number>; totalMs: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const ownerMemo = new Map<number, string>();
  const ownerOfNode = (leaf: number): string => {
    const known = ownerMemo.get(leaf);
    if (known) return known;
    const name = byId.get(leaf)?.callFrame.functionName;
    let owner: string | undefined =
      name === '(garbage collector)'
        ? 'garbage collector'
        : name === '(idle)'
          ? 'idle'
          : name === '(program)'
            ? 'V8 / native (program)'
            : undefined;
    if (!owner) {
      const nearest: Array<string | undefined> = [];
      for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
        const frame = byId.get(id)?.callFrame;
        const found = frame ? ownerOf(sourceOf(frame)) : null;
        if (found && nearest[found.tier] === undefined) nearest[found.tier] = found.name;
        if (nearest[1]) break;
      }
      owner = nearest[1] ?? nearest[2] ?? nearest[3] ?? 'other (Node internals, microtasks)';
    }
    ownerMemo.set(leaf, owner);
    return owner;
  };
  const owners = new Map<string, number>();
  const frames = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const owner = ownerOfNode(id);
    if (owner === 'idle') return;
    totalMs += ms;
    owners.set(owner, (owners.get(owner) ?? 0) + ms);
    const frame = byId.get(id)?.callFrame;
    if (frame) {
      const key = `${frame.functionName || '(anonymous)'} ${sourceOf(frame).replace(/^.*node_modules\//, '')} [${owner}]`;
      frames.set(key, (frames.get(key) ?? 0) + ms);
    }
  });
  return { owners, frames, totalMs };
}

async function waitForProfile(dir: string, count: number): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const files = readdirSync(dir)
      .filter((name) => name.endsWith('.cpuprofile'))
      .sort();
    if (files.length >= count) return path.join(dir, files[count - 1] as string);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server wrote no profile');
}

async function newSession(stack: Stack, contender: Contender): Promise<string> {
  if (contender === 'bare') return randomUUID();
  const res = await postJson(stack.base, '/api/session', {});
  const sessionId = (JSON.parse(res.body) as { sessionId?: string }).sessionId;
  if (res.status !== 201 || !sessionId) throw new Error(`POST /api/session answered ${res.status}`);
  return sessionId;
}

/** `sessions` customers, `turns` turns in all, back to back; sessions are opened before (not measured). */
async function runTurns(stack: Stack, contender: Contender, sessions: number, turns: number, seed: number) {
  const perCustomer = Math.ceil(turns / sessions);
  const customers = await Promise.all(
    Array.from({ length: sessions }, async (_, i) => {
      const ids: string[] = [];
      for (let k = 0; k < Math.ceil(perCustomer / CONVERSATION_TURNS); k++)
        ids.push(await newSession(stack, contender));
      return { ids, text: textMaker(seed + i) };
    }),
  );
  return async () => {
    let failures = 0;
    await Promise.all(
      customers.map(async ({ ids, text }) => {
        for (let t = 0; t < perCustomer; t++) {
          const sessionId = ids[Math.floor(t / CONVERSATION_TURNS)] as string;
          const outcome = await sendTurn({
            base: stack.base,
            path: PATHS[contender],
            body: { sessionId, text: text() },
            timeoutMs: 30_000,
          });
          if (!outcome.ok) failures++;
        }
      }),
    );
    return { turns: perCustomer * sessions, failures };
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'no-build': { type: 'boolean', default: false },
      turns: { type: 'string', default: '300' },
      sessions: { type: 'string', default: '10' },
      // Keep the two .cpuprofile files (open them in Chrome DevTools or speedscope).
      keep: { type: 'boolean', default: false },
    },
  });
  const turns = Number(values.turns);
  const sessions = Number(values.sessions);
  if (values['no-build'] && hasBuild()) console.log(`build     reusing ${DIST_DIR} (--no-build)`);
  else {
    console.log(`build     next build into ${DIST_DIR} with the benchmark routes …`);
    buildApp();
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'tether-profile-'));
  process.env.BENCH_CPU_PROF = dir;
  process.env.BENCH_CPU_PROF_TOGGLE = '1';
  const stack = await startStack({ log: (line) => console.log(line) });
  const results: Record<Contender, { summary: ReturnType<typeof summarise>; turns: number; procCpuMs: number }> =
    Object.create(null);
  try {
    for (const contender of ['bare', 'tether'] as const) await (await runTurns(stack, contender, 5, 40, 1))();
    let profiles = 0;
    for (const [i, contender] of (['bare', 'tether'] as const).entries()) {
      const run = await runTurns(stack, contender, sessions, turns, 100 * (i + 1));
      process.kill(stack.serverPid, 'SIGUSR2');
      const cpuBefore = stack.serverCpuMs();
      const { turns: done, failures } = await run();
      // Tether's audit settles after its replies: let the drain finish inside the window.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const procCpuMs = stack.serverCpuMs() - cpuBefore;
      process.kill(stack.serverPid, 'SIGUSR2');
      if (failures > 0) throw new Error(`${contender}: ${failures} turns failed`);
      const file = await waitForProfile(dir, ++profiles);
      const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
      results[contender] = { summary: summarise(profile), turns: done, procCpuMs };
    }
  } finally {
    closeAgent();
    const problems = await stack.close();
    if (problems.length > 0) console.error(`cleanup problems: ${problems.join('; ')}`);
    if (values.keep) console.log(`profiles  kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }

  const { bare, tether } = results;
  const per = (r: typeof bare, owner: string) => (r.summary.owners.get(owner) ?? 0) / r.turns;
  const owners = [...new Set([...bare.summary.owners.keys(), ...tether.summary.owners.keys()])].sort(
    (a, b) => per(tether, b) - per(bare, b) - (per(tether, a) - per(bare, a)),
  );
  console.log(
    `\n${turns} turns per contender at ${sessions} sessions; sampled CPU (250 µs interval) in ms per turn.\n`,
  );
  console.log('| owner (nearest known frame) | bare ms/turn | Tether ms/turn | Tether − bare |');
  console.log('|---|---:|---:|---:|');
  for (const owner of owners)
    console.log(
      `| ${owner} | ${per(bare, owner).toFixed(3)} | ${per(tether, owner).toFixed(3)} | ${(per(tether, owner) - per(bare, owner)).toFixed(3)} |`,
    );
  const total = (r: typeof bare) => r.summary.totalMs / r.turns;
  console.log(
    `| **sampled total** | ${total(bare).toFixed(3)} | ${total(tether).toFixed(3)} | ${(total(tether) - total(bare)).toFixed(3)} |`,
  );
  const proc = (r: typeof bare) => r.procCpuMs / r.turns;
  console.log(
    `| process CPU (/proc, whole window) | ${proc(bare).toFixed(2)} | ${proc(tether).toFixed(2)} | ${(proc(tether) - proc(bare)).toFixed(2)} |`,
  );
  console.log('\nTether: top self-time frames (ms per turn)\n');
  for (const [frame, ms] of [...tether.summary.frames.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`${(ms / tether.turns).toFixed(3).padStart(7)}  ${frame}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
