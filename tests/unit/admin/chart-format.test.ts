import { describe, expect, it } from 'vitest';
import { formatValue, tickSteps } from '@/components/admin/chart-format';

describe('overview value formats', () => {
  it('prints a wait in seconds, minutes or hours', () => {
    expect([5_000, 90_000, 180_000, 2_700_000, 5_400_000, null].map((v) => formatValue(v, 'wait'))).toEqual(['5 s', '1.5 min', '3 min', '45 min', '1.5 h', '—']);
  });

  it('steps count ticks by whole numbers and wait ticks by whole seconds, minutes and hours', () => {
    const counts = tickSteps('count') ?? [];
    expect(counts.slice(0, 4)).toEqual([1, 2, 5, 10]);
    expect(counts.every(Number.isInteger)).toBe(true);
    const waits = tickSteps('wait') ?? [];
    expect(waits.map((step) => formatValue(step, 'wait'))).toContain('2 min');
    expect(waits.every((step) => step % 1000 === 0)).toBe(true);
    expect(tickSteps('ms')).toBeUndefined();
  });
});
