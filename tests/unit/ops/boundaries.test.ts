import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Import directions that keep lib/ free of the cycles issue 19 removed: auth sits below admin (the
 * console uses sign-in, never the other way), chat does not reach into the admin console, config
 * below everything. Read as text: every `from '…'` of a file, resolved to a path under lib/.
 */

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return files(file);
    return /\.tsx?$/.test(name) ? [file] : [];
  });
}

/** The lib/ paths a file imports, without extension ('lib/admin/access-log'). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\bfrom\s+['"]([^'"]+)['"]/g)].flatMap(([, spec = '']) => {
    if (spec.startsWith('@/')) return [spec.slice(2)];
    if (spec.startsWith('.')) return [path.join(path.dirname(file), spec)];
    return [];
  });
}

function offenders(from: string, forbidden: RegExp): string[] {
  const sources = statSync(from).isDirectory() ? files(from) : [from];
  return sources.flatMap((file) =>
    importsOf(file)
      .filter((target) => forbidden.test(target))
      .map((target) => `${file} -> ${target}`),
  );
}

describe('lib/ import directions', () => {
  it('auth imports nothing from admin', () => {
    expect(offenders('lib/auth', /^lib\/admin\//)).toEqual([]);
  });

  it('chat imports nothing from admin', () => {
    expect(offenders('lib/chat', /^lib\/admin\//)).toEqual([]);
  });

  it('the agent queries and the admin-session queries do not import each other both ways', () => {
    const sessionsToAgents = offenders('lib/auth/admin-sessions.ts', /^lib\/auth\/agents$/);
    const agentsToSessions = offenders('lib/auth/agents.ts', /^lib\/auth\/admin-sessions$/);
    expect(sessionsToAgents.length === 0 || agentsToSessions.length === 0).toBe(true);
  });

  it('config imports no feature folder', () => {
    expect(offenders('lib/config.ts', /^lib\/(admin|auth|chat|memory|audit)\//)).toEqual([]);
  });

  it('the scan sees imports at all (a broken pattern would pass everything)', () => {
    expect(offenders('lib/admin', /^lib\/auth\//).length).toBeGreaterThan(0);
  });
});
