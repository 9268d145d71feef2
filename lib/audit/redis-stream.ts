import { randomUUID } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { z } from 'zod';
import { auditKeys, legacyOutboxKey, sessionKeys } from '@/lib/memory/keys';
import { defineScript, type RedisScript } from '@/lib/redis/script';

/**
 * The reading side of the audit stream that the memory scripts write (lib/memory/keys.ts): one
 * drainer at a time holds it (a short lock it renews), reads the oldest entries, and deletes those
 * it applied or dead-lettered. The first release's outbox list is read the same way.
 */

/**
 * Takes (or renews) the drainer lock and, if held, trims the entries the previous batch applied and
 * reads the oldest ones: one round trip a batch. Batches are read from the start of the stream, so
 * everything before the first id not yet applied is done: XTRIM MINID frees it (XDEL would leave the
 * stream's nodes allocated).
 */
const TAKE_BATCH_SCRIPT = `
local lockKey = KEYS[1]
local streamKey = KEYS[2]
local token = ARGV[1]
local lockMs = ARGV[2]
local count = ARGV[3]
local holder = redis.call('GET', lockKey)
if holder and holder ~= token then return {0} end
redis.call('SET', lockKey, token, 'PX', lockMs)
local appliedUpTo = ARGV[4]
if appliedUpTo and appliedUpTo ~= '' then redis.call('XTRIM', streamKey, 'MINID', appliedUpTo) end
return {1, redis.call('XRANGE', streamKey, '-', '+', 'COUNT', count)}
`;

const RELEASE_LOCK_SCRIPT = `
local lockKey = KEYS[1]
local token = ARGV[1]
if redis.call('GET', lockKey) == token then return redis.call('DEL', lockKey) end
return 0
`;

/** For each (lease key, audit id) pair: 1 when that turn still holds its conversation's lease. */
const LEASES_HELD_SCRIPT = `
local held = {}
for i, leaseKey in ipairs(KEYS) do
  if redis.call('GET', leaseKey) == ARGV[i] then held[i] = 1 else held[i] = 0 end
end
return held
`;

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
  private readonly takeBatch: RedisScript;
  private readonly releaseLock: RedisScript;
  private readonly leasesHeldScript: RedisScript;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.keys = auditKeys(prefix);
    this.legacyKey = legacyOutboxKey(prefix);
    this.takeBatch = defineScript(redis, TAKE_BATCH_SCRIPT);
    this.releaseLock = defineScript(redis, RELEASE_LOCK_SCRIPT);
    this.leasesHeldScript = defineScript(redis, LEASES_HELD_SCRIPT);
  }

  /**
   * The oldest entries, under the drainer lock (taken or renewed), after trimming everything before
   * `trimBelow` (the id after the previous batch's last) in the same round trip; null while another
   * drainer holds the lock.
   */
  async take(count: number, lockMs: number, trimBelow = ''): Promise<StreamEntry[] | null> {
    const reply = takeReplySchema.parse(
      await this.takeBatch([this.keys.lock, this.keys.stream], [this.token, lockMs, count, trimBelow]),
    );
    if (reply[0] === 0) return null;
    return reply[1].map(([id, flat]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      return { id, fields };
    });
  }

  async release(): Promise<void> {
    await this.releaseLock([this.keys.lock], [this.token]);
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
      await this.leasesHeldScript(
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
