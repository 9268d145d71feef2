import { randomUUID } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { z } from 'zod';
import { runListScript, runScript } from '@/lib/redis/eval';
import { auditKeys, legacyOutboxKey, sessionKeys } from '@/lib/redis/keys';
import { LEASES_HELD, RELEASE_AUDIT_LOCK, TAKE_AUDIT_BATCH } from '@/lib/redis/scripts/audit-stream';

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
const takeReplySchema = z.union([z.tuple([z.literal(0)]), z.tuple([z.literal(1), xrangeSchema])]);

export class RedisAuditStream {
  private readonly keys: ReturnType<typeof auditKeys>;
  private readonly legacyKey: string;
  private readonly token = randomUUID();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.keys = auditKeys(prefix);
    this.legacyKey = legacyOutboxKey(prefix);
  }

  /**
   * The oldest entries, under the drainer lock (taken or renewed), after trimming everything before
   * `trimBelow` (the id after the previous batch's last) in the same round trip; null while another
   * drainer holds the lock.
   */
  async take(count: number, lockMs: number, trimBelow = ''): Promise<StreamEntry[] | null> {
    const reply = takeReplySchema.parse(
      await runScript(this.redis, TAKE_AUDIT_BATCH, {
        lockKey: this.keys.lock,
        streamKey: this.keys.stream,
        token: this.token,
        lockMs,
        count,
        appliedUpTo: trimBelow,
      }),
    );
    if (reply[0] === 0) return null;
    return reply[1].map(([id, flat]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      return { id, fields };
    });
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

  /** Which of these turns still hold their conversation's lease (are alive somewhere). */
  async leasesHeld(turns: { sessionId: string; auditId: string }[]): Promise<Set<string>> {
    if (turns.length === 0) return new Set();
    const reply = z.array(z.coerce.number()).parse(
      await runListScript(
        this.redis,
        LEASES_HELD,
        turns.map((turn) => sessionKeys(this.prefix, turn.sessionId).lease),
        turns.map((turn) => turn.auditId),
      ),
    );
    return new Set(turns.filter((_, i) => reply[i] === 1).map((turn) => turn.auditId));
  }
}

/** The smallest stream id after `id` ("ms-seq"): XTRIM MINID keeps ids at or above it. */
export function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq ?? '0') + 1n}`;
}
