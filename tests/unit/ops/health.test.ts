import { describe, expect, it } from 'vitest';
import { hasHealthToken, publicHealth } from '@/lib/health';
import { runHealthChecks, type HealthCheck } from '@/lib/health-checks';

const ok = (name: string, kind = 'postgres'): HealthCheck => ({ name, kind, probe: async () => {} });
const failing = (name: string, error: Error): HealthCheck => ({
  name,
  kind: 'redis',
  probe: async () => {
    throw error;
  },
});

describe('runHealthChecks', () => {
  it('is ok when every check answers, with each backend and its latency', async () => {
    const report = await runHealthChecks([ok('database'), ok('memory', 'redis')]);
    expect(report.status).toBe('ok');
    expect(report.checks.database).toEqual({ kind: 'postgres', ok: true, latencyMs: expect.any(Number) });
    expect(report.checks.memory).toMatchObject({ kind: 'redis', ok: true });
  });

  it('is unavailable when any check fails, naming the reason by code when there is one', async () => {
    const report = await runHealthChecks([
      ok('database'),
      failing('memory', Object.assign(new Error('fetch failed http://secret@host'), { code: 'connection' })),
    ]);
    expect(report.status).toBe('unavailable');
    expect(report.checks.memory).toMatchObject({ ok: false, error: 'connection' });
    expect(JSON.stringify(report)).not.toContain('secret');
  });

  it('a check that never answers fails after the time limit instead of hanging the probe', async () => {
    const hanging: HealthCheck = { name: 'memory', kind: 'redis', probe: () => new Promise(() => {}) };
    const started = Date.now();
    const report = await runHealthChecks([hanging, ok('database')], 50);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(report.status).toBe('unavailable');
    expect(report.checks.memory).toMatchObject({ ok: false, error: 'no answer within 50 ms' });
    expect(report.checks.database?.ok).toBe(true);
  });

  it('anonymous callers see the status only', async () => {
    const report = await runHealthChecks([ok('database')]);
    expect(publicHealth(report)).toEqual({ status: 'ok' });
  });
});

describe('hasHealthToken', () => {
  const token = 'health-token-0123456789';
  it('accepts exactly the configured Bearer token', () => {
    expect(hasHealthToken(`Bearer ${token}`, token)).toBe(true);
    expect(hasHealthToken(`Bearer ${token}x`, token)).toBe(false);
    expect(hasHealthToken(token, token)).toBe(false);
    expect(hasHealthToken(null, token)).toBe(false);
  });
  it('accepts nothing when no token is configured', () => {
    expect(hasHealthToken('Bearer ', undefined)).toBe(false);
    expect(hasHealthToken('Bearer anything', undefined)).toBe(false);
  });
});
