import { describe, expect, it } from 'vitest';
import { mockReplySaw } from '../../../scripts/bench-e2e/client';
import {
  behindLangChain,
  evaluateGoals,
  loadFigures,
  parseProcStat,
  percentiles,
  quantile,
  table,
  textMaker,
  treeTicks,
  type ConcurrencyResult,
  type LoadFigures,
  type TtftResult,
} from '../../../scripts/bench-e2e/stats';

describe('quantile', () => {
  it('takes the nearest rank, an observed value', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(sorted, 0.5)).toBe(5);
    expect(quantile(sorted, 0.95)).toBe(10);
    expect(quantile(sorted, 0.01)).toBe(1);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('percentiles sort their input and leave it alone', () => {
    const samples = [30, 10, 20];
    expect(percentiles(samples)).toEqual({ p50: 20, p95: 30, p99: 30 });
    expect(samples).toEqual([30, 10, 20]);
  });
});

describe('loadFigures', () => {
  it('turns totals into per-turn figures', () => {
    const figures = loadFigures({ turns: 200, failures: 0, wallMs: 2000, latencyMs: [5, 6, 7], cpuMs: 600, redisRequests: 400 });
    expect(figures.turnsPerSecond).toBe(100);
    expect(figures.cpuMsPerTurn).toBe(3);
    expect(figures.redisPerTurn).toBe(2);
    expect(figures.latency.p50).toBe(6);
  });

  it('has no throughput without turns or time', () => {
    const figures = loadFigures({ turns: 0, failures: 3, wallMs: 0, latencyMs: [], cpuMs: 0, redisRequests: 0 });
    expect(figures.turnsPerSecond).toBeNaN();
    expect(figures.cpuMsPerTurn).toBeNaN();
  });
});

describe('parseProcStat / treeTicks', () => {
  const line = (pid: number, comm: string, ppid: number, utime: number, stime: number, cutime = 0, cstime = 0) =>
    `${pid} (${comm}) S ${ppid} 1 1 0 -1 4194560 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 11 0 1000 1000 100`;

  it('counts fields after the last parenthesis, whatever the command name holds', () => {
    expect(parseProcStat(line(42, 'next-server (v16) x', 7, 100, 20, 3, 4))).toEqual({ pid: 42, ppid: 7, ticks: 127 });
    expect(parseProcStat('garbage')).toBeNull();
  });

  it('sums the root and all its descendants, not other processes', () => {
    const stats = [
      parseProcStat(line(10, 'node', 1, 100, 10))!,
      parseProcStat(line(11, 'worker', 10, 50, 5))!,
      parseProcStat(line(12, 'grandchild', 11, 7, 3))!,
      parseProcStat(line(13, 'other', 1, 999, 999))!,
    ];
    expect(treeTicks(stats, 10)).toBe(175);
    expect(treeTicks(stats, 11)).toBe(65);
    expect(treeTicks(stats, 99)).toBe(0);
  });
});

function figures(partial: Partial<LoadFigures>): LoadFigures {
  return {
    turns: 100,
    failures: 0,
    turnsPerSecond: 100,
    latency: { p50: 10, p95: 20, p99: 30 },
    cpuMsPerTurn: 3,
    redisPerTurn: 0,
    ...partial,
  };
}

function load(concurrency: number, tether: Partial<LoadFigures>, auditLagMs: number[] = [100]): ConcurrencyResult {
  return {
    concurrency,
    figures: {
      bare: figures({}),
      tether: figures(tether),
      langchain: figures({ turnsPerSecond: 50, latency: { p50: 20, p95: 40, p99: 60 }, cpuMsPerTurn: 7, redisPerTurn: 5 }),
    },
    postgresXactPerTurn: 0.1,
    auditLagMs,
  };
}

const ttft: TtftResult = {
  firstTokenDelayMs: 200,
  figures: {
    bare: { turns: 10, failures: 0, ttft: { p50: 201, p95: 203, p99: 204 } },
    tether: { turns: 10, failures: 0, ttft: { p50: 202.5, p95: 205, p99: 206 } },
    langchain: { turns: 10, failures: 0, ttft: { p50: 204, p95: 207, p99: 209 } },
  },
};

describe('evaluateGoals', () => {
  it('marks each goal of issue 10 from the figures', () => {
    const loads = [
      load(1, { latency: { p50: 12, p95: 21, p99: 31 }, cpuMsPerTurn: 4, redisPerTurn: 2 }),
      load(10, { turnsPerSecond: 85, cpuMsPerTurn: 4.4, redisPerTurn: 2 }),
      load(50, { turnsPerSecond: 70, cpuMsPerTurn: 4.6, redisPerTurn: 2 }, [800, 6200]),
    ];
    const goals = evaluateGoals(loads, ttft, { tether: { '10': 1000 }, langchain: { '10': 2000 } });
    const status = Object.fromEntries(goals.map((g) => [g.goal, g.met]));
    expect(status).toEqual({
      'throughput ≥ 0.8× bare at 10 sessions': true,
      'throughput ≥ 0.8× bare at 50 sessions': false,
      'CPU per turn ≤ 1.5× bare at 1 sessions': true,
      'CPU per turn ≤ 1.5× bare at 10 sessions': true,
      'CPU per turn ≤ 1.5× bare at 50 sessions': false,
      'p50 overhead < 3 ms with one customer': true,
      'first-token overhead < 2 ms (p50)': true,
      'audit lag < 5 s at 50 sessions (worst round)': false,
      'ahead of LangChain on every figure': true,
    });
  });

  it('a figure that could not be measured is never met', () => {
    const goals = evaluateGoals([load(10, { turnsPerSecond: Number.NaN }), load(50, {}, [])], null, null);
    expect(goals.find((g) => g.goal.startsWith('throughput') && g.goal.includes('10'))?.met).toBe(false);
    expect(goals.find((g) => g.goal.startsWith('audit lag'))?.met).toBe(false);
  });
});

describe('behindLangChain', () => {
  it('names every figure where Tether is not strictly ahead', () => {
    const behind = behindLangChain([load(1, { redisPerTurn: 5, latency: { p50: 25, p95: 30, p99: 40 } })], ttft, {
      tether: { '200': 3000 },
      langchain: { '200': 2000 },
    });
    expect(behind.map((b) => b.split(' (')[0])).toEqual(['p50 @1', 'Redis req/turn @1', 'Redis bytes after 200 turns']);
  });
});

describe('mockReplySaw', () => {
  it('reads the message count from the mock reply to this text only', () => {
    const text = 'my parcel never arrived, where is it? #123';
    expect(mockReplySaw(`Mock reply to: ${text} (saw 4 messages)`, text)).toBe(4);
    expect(mockReplySaw('Mock reply to: something else (saw 4 messages)', text)).toBeNull();
    expect(mockReplySaw(`Mock reply to: ${text}`, text)).toBeNull();
  });
});

describe('textMaker and table', () => {
  it('makes the same texts for the same seed', () => {
    const a = textMaker(7);
    const b = textMaker(7);
    expect([a(), a()]).toEqual([b(), b()]);
    expect(textMaker(8)()).not.toBe(textMaker(7)());
  });

  it('pads Markdown columns and right-aligns numbers', () => {
    expect(table(['name', 'n'], [['a', '1'], ['bb', '22']], [1])).toBe(
      ['| name |  n |', '|------|---:|', '| a    |  1 |', '| bb   | 22 |'].join('\n'),
    );
  });
});
