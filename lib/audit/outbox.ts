import { appendFile, mkdir, readFile, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from '@upstash/redis';
import { createRestClient } from '@/lib/redis/client';
import { turnRecordSchema, type TurnRecord } from '@/lib/audit/types';

/**
 * Where audit records wait while Postgres is unreachable. Records are applied idempotently, so an
 * outbox may hand one out twice (a crash mid-drain) but must never lose one.
 */
export interface AuditOutbox {
  readonly kind: 'redis' | 'file';
  push(record: TurnRecord): Promise<void>;
  /** Hands the oldest records to `apply`; those it applied are removed, the rest stay queued. */
  drain(apply: (record: TurnRecord) => Promise<void>, limit: number): Promise<{ applied: number; remaining: number }>;
  size(): Promise<number>;
}

function parseRecord(line: string): TurnRecord | null {
  try {
    const parsed = turnRecordSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A Redis list (RPUSH at the tail, drained from the head under a short lock). */
export class RedisAuditOutbox implements AuditOutbox {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  private readonly key: string;

  constructor(options: { url: string; token: string; keyPrefix: string; timeoutMs: number }) {
    this.redis = createRestClient({ url: options.url, token: options.token, timeoutMs: options.timeoutMs, retries: 1 });
    this.key = `${options.keyPrefix}:v1:audit-outbox`;
  }

  async push(record: TurnRecord): Promise<void> {
    await this.redis.rpush(this.key, JSON.stringify(record));
  }

  async size(): Promise<number> {
    return this.redis.llen(this.key);
  }

  async drain(apply: (record: TurnRecord) => Promise<void>, limit: number) {
    const lockKey = `${this.key}:drain-lock`;
    const token = crypto.randomUUID();
    if (!(await this.redis.set(lockKey, token, { nx: true, px: 60_000 }))) {
      return { applied: 0, remaining: await this.size() };
    }
    let applied = 0;
    try {
      const batch = await this.redis.lrange<string>(this.key, 0, limit - 1);
      for (const line of batch) {
        const record = parseRecord(line);
        // An unreadable entry cannot be applied; it is logged and dropped rather than block the queue.
        if (record) await apply(record);
        else console.error('[tether] audit outbox: dropping unreadable entry', line.slice(0, 200));
        applied += 1;
      }
    } finally {
      // Remove exactly the entries handled, even if a later one failed; pushes only grow the tail.
      if (applied > 0) await this.redis.ltrim(this.key, applied, -1);
      await this.redis.eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        [lockKey],
        [token],
      );
    }
    return { applied, remaining: await this.size() };
  }
}

/** JSON lines in the data folder: the embedded default, and the last resort when Redis is down too. */
export class FileAuditOutbox implements AuditOutbox {
  readonly kind = 'file' as const;
  private readonly file: string;
  private draining: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {
    this.file = path.join(dir, 'audit-outbox.jsonl');
  }

  async push(record: TurnRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await appendFile(this.file, `${JSON.stringify(record)}\n`, 'utf8');
  }

  async size(): Promise<number> {
    let count = 0;
    for (const file of await this.files()) count += (await readLines(file)).length;
    return count;
  }

  drain(apply: (record: TurnRecord) => Promise<void>, limit: number) {
    const run = this.draining.then(() => this.drainOnce(apply, limit));
    this.draining = run.catch(() => undefined);
    return run;
  }

  private async drainOnce(apply: (record: TurnRecord) => Promise<void>, limit: number) {
    // Move the live file aside first, so pushes during the drain land in a new file.
    try {
      await rename(this.file, path.join(this.dir, `audit-outbox.${Date.now()}.draining`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    let applied = 0;
    for (const file of (await this.files()).filter((f) => f.endsWith('.draining'))) {
      const lines = await readLines(file);
      let done = 0;
      try {
        for (const line of lines) {
          if (applied >= limit) break;
          const record = parseRecord(line);
          if (record) await apply(record);
          else console.error('[tether] audit outbox: dropping unreadable entry', line.slice(0, 200));
          done += 1;
          applied += 1;
        }
      } finally {
        // What was not applied goes back to the live file (order does not matter: records are idempotent).
        const rest = lines.slice(done);
        if (rest.length > 0) await appendFile(this.file, rest.map((l) => `${l}\n`).join(''), 'utf8');
        await unlink(file);
      }
    }
    return { applied, remaining: await this.size() };
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
