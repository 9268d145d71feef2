/**
 * Readiness probes, each with a time limit, and the cache that shares their answer among anonymous
 * callers. Plain code (no request, no runtime, not server-only) so that the composition root
 * (lib/runtime/index.ts, which scripts also load under tsx) builds one cache per runtime; the endpoint
 * that answers with it is lib/health.ts.
 */
export interface HealthCheck {
  /** Stable key in the report (`database`, `memory`, …). */
  name: string;
  /** Which backend answers it (`postgres`, `pglite`, `redis`, `local`, …). */
  kind: string;
  /** Resolves when the backend answered correctly; rejects (or times out) otherwise. */
  probe(): Promise<void>;
}

export interface CheckResult {
  kind: string;
  ok: boolean;
  latencyMs: number;
  /** A short, non-secret reason (never a URL or credential). */
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, CheckResult>;
}

export const HEALTH_CHECK_TIMEOUT_MS = 2000;

async function runCheck(check: HealthCheck, timeoutMs: number, now: () => number): Promise<CheckResult> {
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.probe(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { kind: check.kind, ok: true, latencyMs: Math.round(now() - started) };
  } catch (error) {
    const reason = (error as { code?: unknown })?.code;
    return {
      kind: check.kind,
      ok: false,
      latencyMs: Math.round(now() - started),
      error: typeof reason === 'string' ? reason : error instanceof Error ? error.message.slice(0, 120) : 'failed',
    };
  } finally {
    clearTimeout(timer);
  }
}

export async function runHealthChecks(
  checks: readonly HealthCheck[],
  timeoutMs = HEALTH_CHECK_TIMEOUT_MS,
  now: () => number = () => performance.now(),
): Promise<HealthReport> {
  const results = await Promise.all(checks.map((check) => runCheck(check, timeoutMs, now)));
  return {
    status: results.every((result) => result.ok) ? 'ok' : 'unavailable',
    checks: Object.fromEntries(checks.map((check, i) => [check.name, results[i]!])),
  };
}

interface HealthCacheEntry {
  report: Promise<HealthReport>;
  startedAt: number;
  settled: boolean;
}

/**
 * Readiness reused for `ttlMs` (HEALTH_CACHE_MS) and shared while in flight: N anonymous calls within
 * that time cost one probe of each backend. The runtime owns one, so each process probes its own.
 */
export class HealthCache {
  private entry: HealthCacheEntry | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The shared report: the last one while it is fresh (or still being probed), else a new probe. */
  shared(checks: () => readonly HealthCheck[]): Promise<HealthReport> {
    if (this.ttlMs <= 0) return runHealthChecks(checks());
    const entry = this.entry;
    // Its age counts from when the probe started: a slow probe (a backend timing out, a server still
    // migrating) is already stale when it settles, and the next caller probes again.
    if (entry && (!entry.settled || this.now() - entry.startedAt < this.ttlMs)) return entry.report;
    const startedAt = this.now();
    const fresh: HealthCacheEntry = { report: runHealthChecks(checks()), startedAt, settled: false };
    fresh.report.then(
      () => (fresh.settled = true),
      () => {
        if (this.entry === fresh) this.entry = undefined;
      },
    );
    this.entry = fresh;
    return fresh.report;
  }

  /**
   * A fresh report (a HEALTH_TOKEN caller's or an admin's) replaces the shared one, so anonymous
   * callers never see an older state than the last probe this instance made.
   */
  remember(report: HealthReport): void {
    this.entry = { report: Promise.resolve(report), startedAt: this.now(), settled: true };
  }
}
