import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAccessLog } from '@/lib/auth/access-log';
import { findAgentByEmail } from '@/lib/auth/agents';
import { verifyPassword } from '@/lib/auth/password';
import { openDatabase } from '@/lib/db/client';
import { createTestDatabase, type TestDatabase } from '../../support/db';

/** `npm run agent:create`, run as a real process against a Postgres database and an embedded one. */

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function agentCreate(args: string[], env: Record<string, string>, stdin: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join('node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/agent-create.ts', ...args], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

let database: TestDatabase;
const dataDir = mkdtempSync(path.join(tmpdir(), 'tether-agent-create-'));

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run agent:create', () => {
  it('creates an admin in Postgres with a password read from stdin, and logs it', async () => {
    const env = { DATABASE_URL: database.url, TETHER_DATA_DIR: dataDir };
    const created = await agentCreate(['--email', 'Ops@Example.com', '--role', 'admin', '--name', 'Ops', '--password-stdin'], env, 'a strong first password\n');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Created admin ops@example.com');

    const handle = await openDatabase({ kind: 'postgres', url: database.url });
    try {
      const agent = await findAgentByEmail(handle.db, 'ops@example.com');
      expect(agent).toMatchObject({ role: 'admin', name: 'Ops' });
      expect(await verifyPassword(agent?.passwordHash ?? '', 'a strong first password')).toBe(true);
      const log = await listAccessLog(handle.db, { action: 'agent_create', limit: 1 });
      expect(log.entries[0]).toMatchObject({ agentId: null, detail: { email: 'ops@example.com', via: 'cli' } });
      expect(log.entries[0]?.agentEmail).toMatch(/^cli:/);

      const again = await agentCreate(['--email', 'ops@example.com', '--role', 'agent', '--password-stdin'], env, 'another good password\n');
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already exists');

      const updated = await agentCreate(['--email', 'ops@example.com', '--role', 'admin', '--update', '--password-stdin'], env, 'another good password\n');
      expect(updated.code).toBe(0);
      const after = await findAgentByEmail(handle.db, 'ops@example.com');
      expect(await verifyPassword(after?.passwordHash ?? '', 'another good password')).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it('refuses weak passwords and bad arguments without touching the database', async () => {
    const env = { DATABASE_URL: database.url, TETHER_DATA_DIR: dataDir };
    const weak = await agentCreate(['--email', 'weak@example.com', '--role', 'agent', '--password-stdin'], env, 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('at least 12 characters');
    const role = await agentCreate(['--email', 'x@example.com', '--role', 'root', '--password-stdin'], env, 'long enough password\n');
    expect(role.code).toBe(1);
    expect(role.stderr).toContain('--role');
  });

  it('writes to the embedded database only once told the app is stopped', async () => {
    const env = { TETHER_DATA_DIR: dataDir };
    const refused = await agentCreate(['--email', 'first@example.com', '--role', 'admin', '--password-stdin'], env, 'embedded password 1\n');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Stop the app first');

    const created = await agentCreate(['--email', 'first@example.com', '--role', 'admin', '--password-stdin', '--app-stopped'], env, 'embedded password 1\n');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const handle = await openDatabase({ kind: 'pglite', dir: path.join(dataDir, 'pglite') });
    try {
      expect((await findAgentByEmail(handle.db, 'first@example.com'))?.role).toBe('admin');
    } finally {
      await handle.close();
    }
  });
});
