import { createRequire } from 'node:module';
import os from 'node:os';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

interface NextConfigShape {
  output?: string;
  allowedDevOrigins?: string[];
  outputFileTracingIncludes?: Record<string, string[]>;
}

function loadConfig(env: Record<string, string | undefined> = {}): NextConfigShape {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete process.env[key];
  try {
    const file = require.resolve('../../../next.config.js');
    delete require.cache[file];
    return require(file) as NextConfigShape;
  } finally {
    process.env = saved;
  }
}

describe('next.config.js', () => {
  it('lets the dev server answer pages opened at 127.0.0.1 and at every LAN address of this machine', () => {
    const config = loadConfig();
    const lan = Object.values(os.networkInterfaces())
      .flat()
      .filter((entry) => entry && !entry.internal && entry.family === 'IPv4')
      .map((entry) => entry!.address);
    expect(config.allowedDevOrigins).toContain('127.0.0.1');
    for (const address of lan) expect(config.allowedDevOrigins).toContain(address);
  });

  it('builds the standalone server, with the migrations traced into it, except on Vercel', () => {
    const config = loadConfig({ VERCEL: undefined });
    expect(config.output).toBe('standalone');
    expect(Object.values(config.outputFileTracingIncludes ?? {}).flat()).toContain('./drizzle/**/*');
    expect(loadConfig({ VERCEL: '1' }).output).toBeUndefined();
  });
});
