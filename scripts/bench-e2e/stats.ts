/**
 * Pure arithmetic and formatting for the end-to-end benchmark (scripts/bench-e2e.ts): percentiles,
 * per-turn figures, ratios, the goals of issue 10 and the Markdown tables. No I/O here, so every
 * number the report prints can be unit-tested (tests/unit/bench/e2e-stats.test.ts).
 */

export const CONTENDERS = ['bare', 'tether', 'langchain'] as const;
export type ContenderName = (typeof CONTENDERS)[number];

/** Nearest rank: always an observed value, never an interpolation. NaN for no samples. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99) };
}

/** Everything measured for one contender at one concurrency, summed over its rounds. */
export interface LoadTotals {
  turns: number;
  failures: number;
  /** Wall time of the contender's slots (its sessions running), summed over rounds. */
  wallMs: number;
  latencyMs: number[];
  /** Server CPU (user + system, whole process tree) attributed to the contender's slots. */
  cpuMs: number;
  redisRequests: number;
}

export interface LoadFigures {
  turns: number;
  failures: number;
  turnsPerSecond: number;
  latency: Percentiles;
  cpuMsPerTurn: number;
  redisPerTurn: number;
}

export function loadFigures(totals: LoadTotals): LoadFigures {
  const turns = totals.turns;
  return {
    turns,
    failures: totals.failures,
    turnsPerSecond: totals.wallMs > 0 ? (turns * 1000) / totals.wallMs : Number.NaN,
    latency: percentiles(totals.latencyMs),
    cpuMsPerTurn: perTurn(totals.cpuMs, turns),
    redisPerTurn: perTurn(totals.redisRequests, turns),
  };
}

export function perTurn(total: number, turns: number): number {
  return turns > 0 ? total / turns : Number.NaN;
}

/** a / b, NaN when it cannot be computed (no samples, division by zero). */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}

/** CPU time of a process tree in ms, from clock ticks of /proc/<pid>/stat (utime+stime+cutime+cstime). */
export function ticksToMs(ticks: number, clockTicksPerSecond: number): number {
  return (ticks * 1000) / clockTicksPerSecond;
}

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks: children already reaped stay counted in their parent. */
  ticks: number;
}

/**
 * Parses one /proc/<pid>/stat line. The command name (field 2) is in parentheses and may itself
 * contain spaces or parentheses, so fields are counted from the last ')'.
 */
export function parseProcStat(line: string): ProcStat | null {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(line.slice(0, open).trim());
  const rest = line.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const field = (n: number) => Number(rest[n - 3]);
  const values = [field(4), field(14), field(15), field(16), field(17)];
  if (!Number.isInteger(pid) || values.some((v) => !Number.isFinite(v))) return null;
  const [ppid, utime, stime, cutime, cstime] = values as [number, number, number, number, number];
  return { pid, ppid, ticks: utime + stime + cutime + cstime };
}

/** The root and every descendant of it among `stats` (by ppid), whatever order they come in. */
export function treeTicks(stats: readonly ProcStat[], root: number): number {
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) {
    const list = children.get(stat.ppid) ?? [];
    list.push(stat);
    children.set(stat.ppid, list);
  }
  const byPid = new Map(stats.map((stat) => [stat.pid, stat]));
  let total = 0;
  const seen = new Set<number>();
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    total += byPid.get(pid)?.ticks ?? 0;
    for (const child of children.get(pid) ?? []) queue.push(child.pid);
  }
  return total;
}

/** Deterministic pseudo-random customer text, so every run sends the same conversations. */
const WORDS = (
  'order parcel refund invoice tracking delivery address payment card bank subscription plan upgrade ' +
  'password login account email phone number bike frame wheel tyre brake chain warranty repair shop ' +
  'yesterday tomorrow monday week month please thanks hello sorry problem still again already never ' +
  'arrived broken missing wrong charged twice cancel change update check status help when where why how'
).split(' ');

export function textMaker(seed: number): () => string {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return () => {
    const count = 8 + Math.floor(next() * 33);
    const words = Array.from({ length: count }, () => WORDS[Math.floor(next() * WORDS.length)]!);
    return `${words.join(' ')}${next() < 0.5 ? '?' : '.'} #${Math.floor(next() * 100_000)}`;
  };
}

// ---------------------------------------------------------------------------------------------
// Goals (issue 10, point 7)
// ---------------------------------------------------------------------------------------------

export interface ConcurrencyResult {
  concurrency: number;
  figures: Record<ContenderName, LoadFigures>;
  /** Tether only (the others write no Postgres): transactions of the phase / Tether's turns. */
  postgresXactPerTurn: number;
  /** Tether only: per round, ms from its last reply until every turn of the round had a final audit row. */
  auditLagMs: number[];
  /**
   * CPU of the benchmark process itself (customers, bridge, mock model) ÷ the phase's wall time, in
   * cores: near 1 it is saturated, and throughput ratios are squeezed toward 1×.
   */
  benchProcessCores?: number;
}

export interface TtftResult {
  firstTokenDelayMs: number;
  figures: Record<ContenderName, { turns: number; failures: number; ttft: Percentiles }>;
}

export interface BytesResult {
  /** Turn count → Redis bytes of one session's keys (MEMORY USAGE … SAMPLES 0, summed). */
  tether: Record<string, number>;
  langchain: Record<string, number>;
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const times = (value: number) => `${fmt(value, 2)}×`;

/** Each goal of issue 10 point 7, with what was measured; a figure that could not be computed is not met. */
export function evaluateGoals(loads: readonly ConcurrencyResult[], ttft: TtftResult | null, bytes: BytesResult | null): Goal[] {
  const goals: Goal[] = [];
  const at = (c: number) => loads.find((load) => load.concurrency === c);

  for (const c of [10, 50]) {
    const load = at(c);
    if (!load) continue;
    const r = ratio(load.figures.tether.turnsPerSecond, load.figures.bare.turnsPerSecond);
    goals.push({ goal: `throughput ≥ 0.8× bare at ${c} sessions`, measured: times(r), met: r >= 0.8 });
  }
  for (const load of loads) {
    const r = ratio(load.figures.tether.cpuMsPerTurn, load.figures.bare.cpuMsPerTurn);
    goals.push({ goal: `CPU per turn ≤ 1.5× bare at ${load.concurrency} sessions`, measured: times(r), met: r <= 1.5 });
  }
  const one = at(1);
  if (one) {
    const overhead = one.figures.tether.latency.p50 - one.figures.bare.latency.p50;
    goals.push({ goal: 'p50 overhead < 3 ms with one customer', measured: `${fmt(overhead, 2)} ms`, met: overhead < 3 });
  }
  if (ttft) {
    const overhead = ttft.figures.tether.ttft.p50 - ttft.figures.bare.ttft.p50;
    goals.push({ goal: 'first-token overhead < 2 ms (p50)', measured: `${fmt(overhead, 2)} ms`, met: overhead < 2 });
  }
  const fifty = at(50);
  if (fifty) {
    const worst = fifty.auditLagMs.length > 0 ? Math.max(...fifty.auditLagMs) : Number.NaN;
    goals.push({ goal: 'audit lag < 5 s at 50 sessions (worst round)', measured: `${fmt(worst, 0)} ms`, met: worst < 5000 });
  }
  const behind = behindLangChain(loads, ttft, bytes);
  goals.push({
    goal: 'ahead of LangChain on every figure',
    measured: behind.length === 0 ? 'ahead on all' : `behind on: ${behind.join('; ')}`,
    met: behind.length === 0,
  });
  return goals;
}

/** The figures where Tether is not strictly better than the LangChain peer (higher throughput, lower everything else). */
export function behindLangChain(loads: readonly ConcurrencyResult[], ttft: TtftResult | null, bytes: BytesResult | null): string[] {
  const behind: string[] = [];
  const check = (label: string, ours: number, theirs: number, higherIsBetter = false) => {
    const ahead = higherIsBetter ? ours > theirs : ours < theirs;
    if (!ahead) behind.push(`${label} (${fmt(ours, 2)} vs ${fmt(theirs, 2)})`);
  };
  for (const load of loads) {
    const t = load.figures.tether;
    const l = load.figures.langchain;
    const c = `@${load.concurrency}`;
    check(`turns/s ${c}`, t.turnsPerSecond, l.turnsPerSecond, true);
    check(`p50 ${c}`, t.latency.p50, l.latency.p50);
    check(`p95 ${c}`, t.latency.p95, l.latency.p95);
    check(`p99 ${c}`, t.latency.p99, l.latency.p99);
    check(`CPU/turn ${c}`, t.cpuMsPerTurn, l.cpuMsPerTurn);
    check(`Redis req/turn ${c}`, t.redisPerTurn, l.redisPerTurn);
  }
  if (ttft) check('first token p50', ttft.figures.tether.ttft.p50, ttft.figures.langchain.ttft.p50);
  if (bytes) {
    for (const turns of Object.keys(bytes.tether)) {
      check(`Redis bytes after ${turns} turns`, bytes.tether[turns]!, bytes.langchain[turns] ?? Number.NaN);
    }
  }
  return behind;
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

/** A Markdown table, columns padded so it also reads well in a terminal. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number) => (rightAligned.includes(i) ? text.padStart(widths[i]!) : text.padEnd(widths[i]!));
  const line = (cells: readonly string[]) => `| ${header.map((_, i) => cell(cells[i] ?? '', i)).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (rightAligned.includes(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function loadTable(load: ConcurrencyResult): string {
  const bare = load.figures.bare;
  const rows = CONTENDERS.map((name) => {
    const f = load.figures[name];
    const tetherOnly = name === 'tether';
    const lag = load.auditLagMs.length > 0 ? `${fmt(Math.max(...load.auditLagMs), 0)}` : 'n/a';
    return [
      name,
      `${f.turns}${f.failures > 0 ? ` (${f.failures} FAILED)` : ''}`,
      fmt(f.turnsPerSecond, 1),
      name === 'bare' ? '1.00×' : times(ratio(f.turnsPerSecond, bare.turnsPerSecond)),
      fmt(f.latency.p50, 2),
      name === 'bare' ? '—' : `${signed(f.latency.p50 - bare.latency.p50)}`,
      fmt(f.latency.p95, 2),
      fmt(f.latency.p99, 2),
      fmt(f.cpuMsPerTurn, 2),
      name === 'bare' ? '1.00×' : times(ratio(f.cpuMsPerTurn, bare.cpuMsPerTurn)),
      fmt(f.redisPerTurn, 2),
      tetherOnly ? fmt(load.postgresXactPerTurn, 2) : '0 (none)',
      tetherOnly ? lag : '—',
    ];
  });
  return table(
    ['contender', 'turns', 'turns/s', '× bare', 'p50 ms', 'p50 vs bare', 'p95 ms', 'p99 ms', 'CPU ms/turn', 'CPU × bare', 'Redis req/turn', 'PG xact/turn', 'audit lag ms (worst)'],
    rows,
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  );
}

export function ttftTable(result: TtftResult): string {
  const bare = result.figures.bare.ttft;
  return table(
    ['contender', 'turns', 'first token p50 ms', 'p95 ms', 'p99 ms', 'p50 vs bare'],
    CONTENDERS.map((name) => {
      const f = result.figures[name];
      return [
        name,
        `${f.turns}${f.failures > 0 ? ` (${f.failures} FAILED)` : ''}`,
        fmt(f.ttft.p50, 2),
        fmt(f.ttft.p95, 2),
        fmt(f.ttft.p99, 2),
        name === 'bare' ? '—' : signed(f.ttft.p50 - bare.p50),
      ];
    }),
    [1, 2, 3, 4, 5],
  );
}

export function bytesTable(result: BytesResult): string {
  const counts = Object.keys(result.tether);
  return table(
    ['contender', ...counts.map((n) => `bytes after ${n} turns`)],
    [
      ['bare', ...counts.map(() => '0 (no memory)')],
      ['tether', ...counts.map((n) => fmt(result.tether[n] ?? Number.NaN, 0))],
      ['langchain', ...counts.map((n) => fmt(result.langchain[n] ?? Number.NaN, 0))],
    ],
    counts.map((_, i) => i + 1),
  );
}

export function goalsTable(goals: readonly Goal[]): string {
  return table(['goal (issue 10, point 7)', 'measured', 'status'], goals.map((g) => [g.goal, g.measured, g.met ? 'met' : 'NOT MET']));
}

function signed(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(2)} ms`;
}
