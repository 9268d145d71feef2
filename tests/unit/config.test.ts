import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, configProblems, parseConfig, type Config } from '@/lib/config';

let root: string;
/** A data folder that does not exist yet, inside this test's temp folder. */
let dataDir: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'tether-config-'));
  dataDir = path.join(root, 'data');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** parseConfig with the data folder pointed at the temp folder, so nothing lands in the repository. */
function parse(env: Record<string, string | undefined> = {}): Config {
  return parseConfig({ TETHER_DATA_DIR: dataDir, ...env });
}

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    parse(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw new Error(`expected a ConfigError, got ${String(error)}`);
  }
  throw new Error('expected a ConfigError, the configuration was accepted');
}

const GOOD_SECRET = 'a-session-secret-that-is-long-enough-0123';

describe('parseConfig: embedded defaults', () => {
  it('runs with no configuration at all: PGlite in the data folder, local memory, demo model, no summary', () => {
    const config = parse();
    expect(config.dataDir).toBe(path.resolve(dataDir));
    expect(config.database).toEqual({ kind: 'pglite', dir: path.join(path.resolve(dataDir), 'pglite') });
    expect(config.memory.backend).toEqual({ kind: 'local' });
    expect(config.model).toEqual({ kind: 'demo', model: 'tether-demo' });
    expect(config.memory.summary).toBe(false);
    expect(config.memory).toMatchObject({ ttlSeconds: 1800, maxTurns: 10, maxTokens: 6000, keyPrefix: 'tether' });
    expect(config.prompt.systemPrompt.length).toBeGreaterThan(0);
  });

  it('generates a session secret, persists it to <dataDir>/session.secret and reuses it on the next start', () => {
    expect(existsSync(dataDir)).toBe(false);
    const first = parse();
    expect(first.sessionSecret.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dataDir, 'session.secret');
    expect(readFileSync(file, 'utf8').trim()).toBe(first.sessionSecret);
    // Only the owner may read it.
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = parse();
    expect(second.sessionSecret).toBe(first.sessionSecret);
  });

  it('gives each data folder its own generated secret', () => {
    const a = parse();
    const b = parseConfig({ TETHER_DATA_DIR: path.join(root, 'other') });
    expect(b.sessionSecret).not.toBe(a.sessionSecret);
  });

  it('replaces a persisted secret that is too short', () => {
    parse();
    const file = path.join(dataDir, 'session.secret');
    writeFileSync(file, 'short\n');
    const config = parse();
    expect(config.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(config.sessionSecret).not.toBe('short');
    expect(readFileSync(file, 'utf8').trim()).toBe(config.sessionSecret);
  });

  it('uses SESSION_SECRET when set and writes no secret file for it', () => {
    const config = parse({ SESSION_SECRET: GOOD_SECRET });
    expect(config.sessionSecret).toBe(GOOD_SECRET);
    expect(existsSync(path.join(dataDir, 'session.secret'))).toBe(false);
  });

  it('treats empty strings as unset', () => {
    const config = parse({
      SESSION_SECRET: '',
      DATABASE_URL: '',
      UPSTASH_REDIS_REST_URL: '',
      UPSTASH_REDIS_REST_TOKEN: ' ',
      OPENAI_API_KEY: '',
      OPENAI_BASE_URL: '  ',
      MEMORY_MAX_TURNS: '',
      MEMORY_TTL_SECONDS: ' ',
      MEMORY_SUMMARY: '',
      SYSTEM_PROMPT: '',
      SYSTEM_PROMPT_FILE: '',
    });
    const defaults = parse();
    expect(config.database).toEqual({ kind: 'pglite', dir: path.join(path.resolve(dataDir), 'pglite') });
    expect(config.memory.backend).toEqual({ kind: 'local' });
    expect(config.model).toEqual({ kind: 'demo', model: 'tether-demo' });
    expect(config.memory.maxTurns).toBe(10);
    expect(config.memory.ttlSeconds).toBe(1800);
    expect(config.memory.summary).toBe(false);
    expect(config.prompt.systemPrompt).toBe(defaults.prompt.systemPrompt);
    expect(config.sessionSecret).toBe(defaults.sessionSecret);
  });
});

describe('parseConfig: a bad value names its variable', () => {
  it.each([
    ['MEMORY_MAX_TURNS', 'abc'],
    ['MEMORY_MAX_TURNS', '0'],
    ['MEMORY_MAX_TURNS', '2.5'],
    ['MEMORY_TTL_SECONDS', '-5'],
    ['OPENAI_BASE_URL', 'not a url'],
    ['UPSTASH_REDIS_REST_URL', 'localhost:8079'],
    ['DATABASE_URL', 'mysql://user:pw@db.example.com:3306/tether'],
    ['DATABASE_URL', 'file:./tether.db'],
    ['SESSION_SECRET', 'too-short'],
    ['MEMORY_SUMMARY', 'yes'],
    ['NODE_ENV', 'staging'],
  ])('%s=%s', (name, value) => {
    const error = configError({ [name]: value });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(name);
  });

  it('does not repeat a rejected secret in the message', () => {
    const error = configError({ SESSION_SECRET: 'hunter2-but-short' });
    expect(error.message).toContain('SESSION_SECRET');
    expect(error.message).not.toContain('hunter2-but-short');
  });

  it('names every bad variable at once', () => {
    const error = configError({ MEMORY_MAX_TURNS: 'abc', DATABASE_URL: 'mysql://db/tether' });
    expect(error.message).toContain('MEMORY_MAX_TURNS');
    expect(error.message).toContain('DATABASE_URL');
  });
});

describe('parseConfig: services', () => {
  it('uses Postgres when DATABASE_URL is a postgres URL', () => {
    for (const url of ['postgres://u@127.0.0.1:5432/tether', 'postgresql://u:p@db/tether']) {
      expect(parse({ DATABASE_URL: url }).database).toEqual({ kind: 'postgres', url });
    }
  });

  it('refuses an Upstash URL without its token, and a token without its URL', () => {
    const withoutToken = configError({ UPSTASH_REDIS_REST_URL: 'https://eu1-example.upstash.io' });
    expect(withoutToken.message).toContain('UPSTASH_REDIS_REST_TOKEN');
    const withoutUrl = configError({ UPSTASH_REDIS_REST_TOKEN: 'tok' });
    expect(withoutUrl.message).toContain('UPSTASH_REDIS_REST_URL');
  });

  it('uses Redis memory when both Upstash variables are set', () => {
    const config = parse({ UPSTASH_REDIS_REST_URL: 'https://eu1-example.upstash.io', UPSTASH_REDIS_REST_TOKEN: 'tok' });
    expect(config.memory.backend).toEqual({
      kind: 'redis',
      url: 'https://eu1-example.upstash.io',
      token: 'tok',
      timeoutMs: 1000,
    });
  });

  it('talks to an OpenAI-compatible server given only OPENAI_BASE_URL, with a placeholder key', () => {
    const config = parse({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' });
    expect(config.model.kind).toBe('openai');
    if (config.model.kind !== 'openai') return;
    expect(config.model.baseURL).toBe('http://127.0.0.1:11434/v1');
    expect(config.model.apiKey.length).toBeGreaterThan(0);
    expect(config.model.model).toBe('gpt-4o-mini');
  });

  it('uses OPENAI_API_KEY against the default endpoint', () => {
    const config = parse({ OPENAI_API_KEY: 'sk-test', OPENAI_MODEL: 'gpt-4.1-mini' });
    expect(config.model).toMatchObject({ kind: 'openai', apiKey: 'sk-test', baseURL: undefined, model: 'gpt-4.1-mini' });
  });

  it('turns the rolling summary on by default when a real model is configured', () => {
    expect(parse({ OPENAI_API_KEY: 'sk-test' }).memory.summary).toBe(true);
    expect(parse({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }).memory.summary).toBe(true);
    expect(parse({ OPENAI_API_KEY: 'sk-test', MEMORY_SUMMARY: 'off' }).memory.summary).toBe(false);
    expect(parse({ MEMORY_SUMMARY: 'on' }).memory.summary).toBe(true);
  });
});

describe('parseConfig: system prompt', () => {
  it('reads SYSTEM_PROMPT_FILE, trimmed', () => {
    const file = path.join(root, 'prompt.txt');
    writeFileSync(file, '\n  You are the support assistant of Acme Bikes.\nBe brief.  \n\n');
    expect(parse({ SYSTEM_PROMPT_FILE: file }).prompt.systemPrompt).toBe(
      'You are the support assistant of Acme Bikes.\nBe brief.',
    );
  });

  it('prefers SYSTEM_PROMPT over SYSTEM_PROMPT_FILE', () => {
    const file = path.join(root, 'prompt.txt');
    writeFileSync(file, 'from the file');
    expect(parse({ SYSTEM_PROMPT: 'inline', SYSTEM_PROMPT_FILE: file }).prompt.systemPrompt).toBe('inline');
  });

  it('refuses a SYSTEM_PROMPT_FILE that cannot be read, naming the variable and the path', () => {
    const missing = path.join(root, 'no-such-prompt.txt');
    const error = configError({ SYSTEM_PROMPT_FILE: missing });
    expect(error.message).toMatch(/^SYSTEM_PROMPT_FILE/);
    expect(error.message).toContain(missing);
    // A folder is not readable as a file either.
    expect(configError({ SYSTEM_PROMPT_FILE: root }).message).toContain('SYSTEM_PROMPT_FILE');
  });

  it('refuses an empty SYSTEM_PROMPT_FILE', () => {
    const file = path.join(root, 'empty.txt');
    writeFileSync(file, '  \n');
    expect(configError({ SYSTEM_PROMPT_FILE: file }).message).toContain('SYSTEM_PROMPT_FILE');
  });
});

describe('on Vercel', () => {
  it('refuses to start on embedded defaults and names every missing variable', () => {
    const error = (() => {
      try {
        parseConfig({ VERCEL: '1', NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) });
        return null;
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toContain('AUTH_SECRET: required in a Vercel deployment');
    expect(error?.message).toContain('DATABASE_URL');
    expect(error?.message).toContain('UPSTASH_REDIS_REST_URL');
    expect(error?.message).not.toContain('SESSION_SECRET:');
  });
});

describe('a production server', () => {
  const production = (extra: Record<string, string | undefined> = {}) => ({
    NODE_ENV: 'production',
    SESSION_SECRET: GOOD_SECRET,
    AUTH_SECRET: GOOD_SECRET,
    DATABASE_URL: 'postgres://tether@db.example.com:5432/tether',
    UPSTASH_REDIS_REST_URL: 'https://eu1-tether.upstash.io',
    UPSTASH_REDIS_REST_TOKEN: 'token',
    OPENAI_API_KEY: 'sk-test',
    ...extra,
  });

  it('starts when secrets, Postgres, Redis and a real model are configured', () => {
    const config = parse(production());
    expect(config.database.kind).toBe('postgres');
    expect(configProblems({ TETHER_DATA_DIR: dataDir, ...production() })).toEqual([]);
  });

  it('names every problem at once: missing secrets and each embedded default without its opt-in', () => {
    const problems = configProblems({ TETHER_DATA_DIR: dataDir, NODE_ENV: 'production' });
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/^SESSION_SECRET: required in production/m);
    expect(problems.join('\n')).toMatch(/^AUTH_SECRET: required in production/m);
    expect(problems.join('\n')).toMatch(/^DATABASE_URL: .*TETHER_ALLOW_EMBEDDED_DATABASE=on/m);
    expect(problems.join('\n')).toMatch(/^UPSTASH_REDIS_REST_URL: .*TETHER_ALLOW_LOCAL_MEMORY=on/m);
    expect(problems.join('\n')).toMatch(/^OPENAI_API_KEY or OPENAI_BASE_URL: .*TETHER_ALLOW_DEMO_MODEL=on/m);
    // Nothing was generated on the way: a production server never invents its own secrets.
    expect(existsSync(path.join(dataDir, 'session.secret'))).toBe(false);
  });

  it('a short secret is named together with the other problems', () => {
    const problems = configProblems({
      TETHER_DATA_DIR: dataDir,
      ...production({ SESSION_SECRET: 'too-short', DATABASE_URL: undefined }),
    });
    expect(problems).toEqual([
      'SESSION_SECRET: must be at least 32 characters',
      expect.stringMatching(/^DATABASE_URL: required in production/),
    ]);
    expect(configError(production({ AUTH_SECRET: 'short' })).message).toContain('AUTH_SECRET: must be at least 32');
  });

  it('runs on the embedded defaults only when each one is opted into explicitly', () => {
    const embedded = {
      NODE_ENV: 'production',
      SESSION_SECRET: GOOD_SECRET,
      AUTH_SECRET: GOOD_SECRET,
      TETHER_ALLOW_EMBEDDED_DATABASE: 'on',
      TETHER_ALLOW_LOCAL_MEMORY: 'on',
      TETHER_ALLOW_DEMO_MODEL: 'on',
    };
    const config = parse(embedded);
    expect(config.database.kind).toBe('pglite');
    expect(config.memory.backend.kind).toBe('local');
    expect(config.model.kind).toBe('demo');
    for (const optIn of ['TETHER_ALLOW_EMBEDDED_DATABASE', 'TETHER_ALLOW_LOCAL_MEMORY', 'TETHER_ALLOW_DEMO_MODEL']) {
      expect(configError({ ...embedded, [optIn]: 'off' }).message).toContain(optIn);
    }
    expect(configError({ ...embedded, TETHER_ALLOW_DEMO_MODEL: 'yes' }).message).toContain('TETHER_ALLOW_DEMO_MODEL');
  });

  it('does not apply while `next build` runs, and development keeps its zero-setup defaults', () => {
    expect(() => parse({ NODE_ENV: 'production', NEXT_PHASE: 'phase-production-build' })).not.toThrow();
    expect(parse({ NODE_ENV: 'development' }).database.kind).toBe('pglite');
    expect(configProblems({ TETHER_DATA_DIR: dataDir, NODE_ENV: 'development' })).toEqual([]);
  });

  it('reports a configuration error that is not a list of variables as it is', () => {
    expect(configProblems({ TETHER_DATA_DIR: dataDir, SYSTEM_PROMPT_FILE: path.join(root, 'missing.txt') })).toEqual([
      expect.stringContaining('SYSTEM_PROMPT_FILE: cannot read'),
    ]);
  });
});

describe('parseConfig: identity verification', () => {
  it('is off by default: no secret, not required', () => {
    expect(parse().identity).toEqual({ secret: undefined, required: false });
  });

  it('takes a secret of at least 32 characters and the required switch', () => {
    const secret = 'i'.repeat(32);
    expect(parse({ WIDGET_IDENTITY_SECRET: secret, WIDGET_IDENTITY_REQUIRED: 'on' }).identity).toEqual({ secret, required: true });
    expect(configError({ WIDGET_IDENTITY_SECRET: 'short' }).message).toContain('WIDGET_IDENTITY_SECRET');
  });

  it('refuses "required" without a secret: nobody could ever chat', () => {
    expect(configError({ WIDGET_IDENTITY_REQUIRED: 'on' }).message).toContain('WIDGET_IDENTITY_SECRET');
  });
});
