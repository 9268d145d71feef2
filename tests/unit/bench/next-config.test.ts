import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const configPath = path.resolve(__dirname, '../../../next.config.js');

/** next.config.js reads the environment when it loads, so each case loads a fresh copy. */
function loadConfig(benchRoutes: string | undefined): { pageExtensions?: string[] } {
  if (benchRoutes === undefined) delete process.env.TETHER_BENCH_ROUTES;
  else process.env.TETHER_BENCH_ROUTES = benchRoutes;
  delete require.cache[configPath];
  return require(configPath) as { pageExtensions?: string[] };
}

afterEach(() => {
  delete process.env.TETHER_BENCH_ROUTES;
  delete require.cache[configPath];
});

describe('next.config.js page extensions', () => {
  it('keeps the benchmark routes (route.bench.ts) out of every normal build', () => {
    expect(loadConfig(undefined).pageExtensions).toEqual(['tsx', 'ts', 'jsx', 'js']);
    expect(loadConfig('0').pageExtensions).not.toContain('bench.ts');
  });

  it('compiles them in only for the benchmark build', () => {
    expect(loadConfig('1').pageExtensions).toEqual(['tsx', 'ts', 'jsx', 'js', 'bench.ts']);
  });
});
