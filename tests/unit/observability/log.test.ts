import { afterEach, describe, expect, it, vi } from 'vitest';
import { log, setLogSink } from '@/lib/observability/log';

afterEach(() => {
  vi.restoreAllMocks();
  setLogSink(null);
});

describe('log', () => {
  it('writes one JSON line per entry straight to stdout, not through console (Next wraps it)', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const consoleLog = vi.spyOn(console, 'log');
    log.info('turn', { auditId: 'a1', error: new Error('boom') });
    expect(consoleLog).not.toHaveBeenCalled();
    expect(write).toHaveBeenCalledTimes(1);
    const line = String(write.mock.calls[0]?.[0]);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toMatchObject({ level: 'info', msg: 'turn', auditId: 'a1', error: { error: 'boom' } });
  });

  it('a swapped sink gets the line; null restores stdout', () => {
    const lines: string[] = [];
    setLogSink((line) => lines.push(line));
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    log.warn('w');
    expect(lines).toHaveLength(1);
    setLogSink(null);
    log.warn('w');
    expect(write).toHaveBeenCalledTimes(1);
  });
});
