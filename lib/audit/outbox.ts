import { appendFileSync, mkdirSync } from 'node:fs';
import { readdir, readFile, rename, unlink, appendFile } from 'node:fs/promises';
import path from 'node:path';
import { parseLegacyLine, streamFields, withSessionReference, type AuditEntry, type ParsedEntry } from '@/lib/audit/types';

/**
 * The last resort for audit entries: a JSON-lines file in the data folder, used when neither the
 * audit stream (Redis) nor Postgres takes an entry. Appends are synchronous, so an entry is on disk
 * before the customer sees the reply. Lines are parsed with the versioned envelope; the first
 * release's plain records are still read.
 */
export class FileAuditOutbox {
  private readonly file: string;
  private draining: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {
    this.file = path.join(dir, 'audit-outbox.jsonl');
  }

  push(entry: AuditEntry): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Customer text: readable by the server's own user only (the mode applies when the file is created).
    appendFileSync(this.file, `${JSON.stringify(streamFields(withSessionReference(entry)))}\n`, { encoding: 'utf8', mode: 0o600 });
  }

  async size(): Promise<number> {
    let count = 0;
    for (const file of await this.files()) count += (await readLines(file)).length;
    return count;
  }

  /**
   * Hands queued lines to `handle` in order; the lines it handled (applied, or dead-lettered when
   * unreadable) leave the file, the rest stay. One drain at a time per process.
   */
  drain(handle: (parsed: ParsedEntry[], lines: string[]) => Promise<number>, limit: number): Promise<{ handled: number; remaining: number }> {
    const run = this.draining.then(() => this.drainOnce(handle, limit));
    this.draining = run.catch(() => undefined);
    return run;
  }

  private async drainOnce(handle: (parsed: ParsedEntry[], lines: string[]) => Promise<number>, limit: number) {
    // Move the live file aside first, so appends during the drain land in a new file.
    try {
      await rename(this.file, path.join(this.dir, `audit-outbox.${Date.now()}.draining`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    let handled = 0;
    for (const file of (await this.files()).filter((f) => f.endsWith('.draining'))) {
      const lines = await readLines(file);
      const batch = lines.slice(0, Math.max(0, limit - handled));
      let done = 0;
      try {
        if (batch.length > 0) done = await handle(batch.map(parseLegacyLine), batch);
        handled += done;
      } finally {
        // What was not handled goes back to the live file (entries are idempotent, order does not matter).
        const rest = lines.slice(done);
        if (rest.length > 0) await appendFile(this.file, rest.map((l) => `${l}\n`).join(''), { encoding: 'utf8', mode: 0o600 });
        await unlink(file);
      }
    }
    return { handled, remaining: await this.size() };
  }

  private async files(): Promise<string[]> {
    try {
      const names = await readdir(this.dir);
      return names
        .filter((n) => n === 'audit-outbox.jsonl' || (n.startsWith('audit-outbox.') && n.endsWith('.draining')))
        .sort()
        .map((n) => path.join(this.dir, n));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}

async function readLines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
