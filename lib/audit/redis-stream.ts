import { randomUUID } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { z } from 'zod';
import { runScript } from '@/lib/redis/eval';
import { auditKeys, legacyOutboxKey } from '@/lib/redis/keys';
import { RELEASE_AUDIT_LOCK, TAKE_AUDIT_BATCH } from '@/lib/redis/scripts/audit-stream';

/**
 * The reading side of the audit stream that the conversation scripts write (lib/redis/keys.ts): one
 * drainer at a time holds it (a short lock it renews), reads the oldest entries, and deletes those
 * it applied or dead-lettered. The first release's outbox list is read the same way.
 */

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

const xrangeSchema = z.array(z.tuple([z.string(), z.array(z.string())]));
const takeReplySchema = z.union([
  z.tuple([z.literal(0), z.coerce.number()]),
  z.tuple([z.literal(1), xrangeSchema, z.coerce.number(), z.coerce.number()]),
]);

/** One take: the batch, and what the same round trip learned about the rest. */
export interface TakenBatch {
  entries: StreamEntry[];
  /** Entries in the first release's outbox list (read separately, only when there are any). */
  legacyLength: number;
  /** Turns begun before `staleBefore` that never ended (the open-turn set): abandon candidates. */
  staleOpenTurns: number;
}

export interface TakeOptions {
  /** The id after the previous batch's last: everything before it is trimmed. */
  trimBelow?: string;
  /** Count the open turns whose last sign of life is older than this (ms since the epoch). */
  staleBefore?: number;
  /** Forget the open turns older than this (the last abandon pass settled them). */
  forgetBefore?: number;
}

export class RedisAuditStream {
  private readonly keys: ReturnType<typeof auditKeys>;
  private readonly legacyKey: string;
  private readonly token = randomUUID();

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = auditKeys(prefix);
    this.legacyKey = legacyOutboxKey(prefix);
  }

  /**
   * The oldest entries, under the drainer lock (taken or renewed), after trimming what the previous
   * batch applied, in one round trip; `{ lockedForMs }` while another drainer holds the lock.
   */
  async take(count: number, lockMs: number, options: TakeOptions = {}): Promise<TakenBatch | { lockedForMs: number }> {
    const reply = takeReplySchema.parse(
      await runScript(this.redis, TAKE_AUDIT_BATCH, {
        lockKey: this.keys.lock,
        streamKey: this.keys.stream,
        legacyKey: this.legacyKey,
        openKey: this.keys.open,
        token: this.token,
        lockMs,
        count,
        appliedUpTo: options.trimBelow ?? '',
        staleBefore: options.staleBefore ?? '',
        forgetBefore: options.forgetBefore ?? '',
      }),
    );
    if (reply[0] === 0) return { lockedForMs: Math.max(reply[1], 0) };
    const entries = reply[1].map(([id, flat]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      return { id, fields };
    });
    return { entries, legacyLength: reply[2], staleOpenTurns: reply[3] };
  }

  async release(): Promise<void> {
    await runScript(this.redis, RELEASE_AUDIT_LOCK, { lockKey: this.keys.lock, token: this.token });
  }

  /** Frees every entry before `trimBelow` (see take). */
  async ack(trimBelow: string): Promise<void> {
    if (trimBelow) await this.redis.exec(['XTRIM', this.keys.stream, 'MINID', trimBelow]);
  }

  async length(): Promise<number> {
    return Number(await this.redis.exec(['XLEN', this.keys.stream]));
  }

  async readLegacy(count: number): Promise<string[]> {
    return z.array(z.string()).parse((await this.redis.exec(['LRANGE', this.legacyKey, 0, count - 1])) ?? []);
  }

  /** Removes the first `count` legacy entries (the ones just handled; pushes only grow the tail). */
  async ackLegacy(count: number): Promise<void> {
    if (count > 0) await this.redis.exec(['LTRIM', this.legacyKey, count, -1]);
  }
}

/** The smallest stream id after `id` ("ms-seq"): XTRIM MINID keeps ids at or above it. */
export function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq ?? '0') + 1n}`;
}
