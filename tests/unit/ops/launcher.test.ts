import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VARIABLES } from '@/lib/config';
import { serverEnv } from '../../support/launcher';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('the production-server launcher', () => {
  it("gives the server the settings it was handed and nothing of the caller's own Tether settings", () => {
    process.env.OPENAI_API_KEY = 'from-the-developers-shell';
    process.env.DATABASE_URL = 'postgres://shell/db';
    const env = serverEnv({
      port: 3999,
      env: { SESSION_SECRET: 's'.repeat(40), MEMORY_SUMMARY: 'off' },
      distDir: '.next-x',
    });
    expect(env.SESSION_SECRET).toBe('s'.repeat(40));
    expect(env.MEMORY_SUMMARY).toBe('off');
    // Set, but empty: Next does not fill a variable that exists from a .env file, and Tether reads '' as unset.
    expect(env.OPENAI_API_KEY).toBe('');
    expect(env.DATABASE_URL).toBe('');
    for (const name of Object.keys(VARIABLES)) expect(env[name], name).toBeDefined();
    expect(env).toMatchObject({ NODE_ENV: 'production', NEXT_DIST_DIR: '.next-x', NEXT_TELEMETRY_DISABLED: '1' });
    expect(env.PORT).toBeUndefined();
  });

  it('tells the standalone server its port and address through the environment', () => {
    expect(serverEnv({ port: 3999, env: {}, mode: 'standalone' })).toMatchObject({
      PORT: '3999',
      HOSTNAME: '127.0.0.1',
    });
  });

  it('is the only code in tests/ and scripts/ that starts a production server', () => {
    const starters: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (
          /\.(ts|mts|mjs|js)$/.test(name) &&
          /'start', '-p'|'standalone', 'server\.js'/.test(readFileSync(file, 'utf8'))
        ) {
          starters.push(file);
        }
      }
    };
    walk('tests');
    walk('scripts');
    expect(starters.filter((file) => file !== path.join('tests', 'unit', 'ops', 'launcher.test.ts'))).toEqual([
      path.join('tests', 'support', 'launcher.ts'),
    ]);
  });
});
