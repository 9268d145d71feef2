import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@/lib/config';

/** The admin console's variables in lib/config.ts. */

const dirs: string[] = [];
function env(extra: Record<string, string> = {}): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tether-admin-config-'));
  dirs.push(dir);
  return { NODE_ENV: 'test', TETHER_DATA_DIR: dir, SESSION_SECRET: 'x'.repeat(32), ...extra };
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('admin configuration', () => {
  it('AUTH_SECRET: taken as given; generated and kept in development; absent (console off) in tests; required in production', () => {
    expect(parseConfig(env({ AUTH_SECRET: 'a'.repeat(40) })).authSecret).toBe('a'.repeat(40));
    expect(() => parseConfig(env({ AUTH_SECRET: 'short' }))).toThrow(/AUTH_SECRET: must be at least 32 characters/);
    expect(parseConfig(env({ NODE_ENV: 'test' })).authSecret).toBeUndefined();
    expect(() => parseConfig(env({ NODE_ENV: 'production' }))).toThrow(/AUTH_SECRET: required in production/);

    const dev = env({ NODE_ENV: 'development' });
    const first = parseConfig(dev).authSecret;
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(path.join(dev.TETHER_DATA_DIR ?? '', 'auth.secret'), 'utf8').trim()).toBe(first);
    expect(parseConfig(dev).authSecret).toBe(first);
    expect(existsSync(path.join(env().TETHER_DATA_DIR ?? '', 'auth.secret'))).toBe(false);
  });

  it('OAuth providers are on when both halves are set, and a half pair stops the start', () => {
    expect(parseConfig(env()).admin.oauth).toEqual([]);
    const config = parseConfig(
      env({
        AUTH_GITHUB_ID: 'gh-id',
        AUTH_GITHUB_SECRET: 'gh-secret',
        AUTH_OIDC_ISSUER: 'https://login.example.com/realms/support',
        AUTH_OIDC_ID: 'oidc-id',
        AUTH_OIDC_SECRET: 'oidc-secret',
      }),
    );
    expect(config.admin.oauth).toEqual([
      { id: 'github', clientId: 'gh-id', clientSecret: 'gh-secret' },
      { id: 'oidc', issuer: 'https://login.example.com/realms/support', clientId: 'oidc-id', clientSecret: 'oidc-secret' },
    ]);
    expect(() => parseConfig(env({ AUTH_GOOGLE_ID: 'id-only' }))).toThrow(ConfigError);
    expect(() => parseConfig(env({ AUTH_GOOGLE_ID: 'id-only' }))).toThrow(/AUTH_GOOGLE_ID and AUTH_GOOGLE_SECRET must be set together/);
    expect(() => parseConfig(env({ AUTH_OIDC_ID: 'a', AUTH_OIDC_SECRET: 'b' }))).toThrow(/AUTH_OIDC_ISSUER: required/);
    expect(() => parseConfig(env({ AUTH_OIDC_ISSUER: 'not a url' }))).toThrow(/AUTH_OIDC_ISSUER/);
  });

  it('allow-lists: e-mails lower-cased and trimmed, a domain without its @', () => {
    const config = parseConfig(env({ ADMIN_ALLOWED_EMAILS: ' Ada@Example.com, bob@example.org ,', ADMIN_ALLOWED_DOMAIN: '@Support.Example.com' }));
    expect(config.admin.allowedEmails).toEqual(['ada@example.com', 'bob@example.org']);
    expect(config.admin.allowedDomain).toBe('support.example.com');
    expect(parseConfig(env()).admin).toMatchObject({ allowedEmails: [], allowedDomain: undefined });
    expect(() => parseConfig(env({ ADMIN_ALLOWED_EMAILS: 'ada@example.com, not-an-address' }))).toThrow(/ADMIN_ALLOWED_EMAILS/);
    expect(() => parseConfig(env({ ADMIN_ALLOWED_DOMAIN: 'localhost' }))).toThrow(/ADMIN_ALLOWED_DOMAIN: must be a domain/);
  });
});
