import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileAuditOutbox } from '@/lib/audit/outbox';
import type { AuditEntry } from '@/lib/audit/types';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the audit outbox file', () => {
  it("holds customer text, so it and its folder are the server user's alone (0600 / 0700), also after a partial drain", async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'tether-outbox-'));
    dirs.push(root);
    const dir = path.join(root, 'outbox');
    const outbox = new FileAuditOutbox(dir);
    const entry = (i: number): AuditEntry => ({
      kind: 'void',
      seq: i,
      record: { auditId: `00000000-0000-4000-8000-00000000000${i}`, sessionId: 'c_aaaaaaaaaaaaaaaa' },
    });
    outbox.push(entry(1));
    outbox.push(entry(2));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'audit-outbox.jsonl')).mode & 0o777).toBe(0o600);
    // One line handled, one goes back into a new live file: that one must be private too.
    await outbox.drain(async () => 1, 10);
    const [live] = readdirSync(dir);
    expect(live).toBe('audit-outbox.jsonl');
    expect(readFileSync(path.join(dir, live!), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(statSync(path.join(dir, live!)).mode & 0o777).toBe(0o600);
  });
});
