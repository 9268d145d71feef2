import type { Redis } from '@upstash/redis';
import { z } from 'zod';
import { createRestClient } from '@/lib/redis/client';
import {
  MEMORY_LAYOUT_VERSION,
  RATE_WINDOW_MS,
  SEEN_MARKER_TTL_SECONDS,
  memoryMessageSchema,
  unavailable,
  type AppendOptions,
  type AppendResult,
  type BeginResult,
  type Exchange,
  type LoadedMemory,
  type MemoryCaps,
  type MemoryMessage,
  type MemoryStore,
} from '@/lib/memory/types';

/**
 * Session memory in Redis over Upstash's REST protocol. Layout (docs/memory.md):
 *   {prefix}:v1:session:{<id>}            hash: v, createdAt, lastActivityAt, seq, summary
 *   {prefix}:v1:session:{<id>}:messages   list: one JSON message per entry, oldest first
 *   {prefix}:v1:session:{<id>}:lock       string: the token of the turn in progress (PX)
 *   {prefix}:v1:session:{<id>}:seen       string: marks that the session once had memory (30 days)
 *   {prefix}:v1:session:{<id>}:rate       string: turns started in the current minute (rate limit)
 * The braces are a hash tag, so all four keys of a session share a cluster slot and one script can
 * touch them. A turn costs exactly two round trips: LOAD_SCRIPT (load + lock) and APPEND_SCRIPT.
 */

// A turn counts against the rate limit only once it holds the lock, so waiting for a busy session is free.
const LOAD_SCRIPT = `
local locked = 0
if ARGV[1] ~= '' then
  if redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) then locked = 1 else return {'busy'} end
  local limit = tonumber(ARGV[3])
  if limit > 0 then
    local started = redis.call('INCR', KEYS[5])
    if started == 1 then redis.call('PEXPIRE', KEYS[5], ARGV[4]) end
    if started > limit then
      redis.call('DEL', KEYS[3])
      return {'rate_limited', redis.call('PTTL', KEYS[5])}
    end
  end
end
return {'loaded', locked, redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1), redis.call('EXISTS', KEYS[4])}
`;

// Mirrors applyCaps() in types.ts: oldest exchange first, until both caps hold.
const APPEND_SCRIPT = `
local holder = redis.call('GET', KEYS[3])
if holder and holder ~= ARGV[1] then return {'locked'} end
if ARGV[9] == '1' or redis.call('HGET', KEYS[1], 'v') ~= ARGV[10] then
  redis.call('DEL', KEYS[1], KEYS[2])
end
redis.call('RPUSH', KEYS[2], ARGV[2], ARGV[3])
local items = redis.call('LRANGE', KEYS[2], 0, -1)
local tokens = {}
local total = 0
for i, item in ipairs(items) do
  local ok, decoded = pcall(cjson.decode, item)
  local t = 0
  if ok and type(decoded) == 'table' then t = tonumber(decoded['tokens']) or 0 end
  tokens[i] = t
  total = total + t
end
local n = #items
local maxMessages = tonumber(ARGV[5])
local maxTokens = tonumber(ARGV[6])
local start = 1
while start <= n and ((n - start + 1) > maxMessages or total > maxTokens) do
  local drop = math.min(2, n - start + 1)
  for i = start, start + drop - 1 do total = total - tokens[i] end
  start = start + drop
end
local evicted = {}
if start > 1 then
  for i = 1, start - 1 do evicted[i] = items[i] end
  redis.call('LTRIM', KEYS[2], start - 1, -1)
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'v', ARGV[10], 'createdAt', ARGV[4], 'seq', 0)
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[1], 'lastActivityAt', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[7])
redis.call('EXPIRE', KEYS[2], ARGV[7])
redis.call('SET', KEYS[4], '1', 'EX', ARGV[8])
if holder then redis.call('DEL', KEYS[3]) end
return {'stored', seq, evicted}
`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const SUMMARY_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HSET', KEYS[1], 'summary', ARGV[1]) end
return 0
`;

const metaSchema = z.object({
  v: z.literal(String(MEMORY_LAYOUT_VERSION)),
  createdAt: z.iso.datetime(),
  lastActivityAt: z.iso.datetime(),
  seq: z.coerce.number().int().nonnegative(),
  summary: z.string().optional(),
});

const loadReplySchema = z.union([
  z.tuple([z.literal('busy')]),
  z.tuple([z.literal('rate_limited'), z.coerce.number()]),
  z.tuple([
    z.literal('loaded'),
    z.coerce.number(),
    z.array(z.string()),
    z.array(z.string()),
    z.coerce.number(),
  ]),
]);

const appendReplySchema = z.union([
  z.tuple([z.literal('locked')]),
  z.tuple([z.literal('stored'), z.coerce.number().int(), z.array(z.string())]),
]);

export interface RedisStoreOptions {
  url: string;
  token: string;
  timeoutMs: number;
  keyPrefix: string;
  caps: MemoryCaps;
}

/** Raised for a record we cannot trust (foreign layout, broken JSON); the turn treats it as unavailable. */
class CorruptRecordError extends Error {
  override name = 'CorruptRecordError';
}

export function classifyRedisError(error: unknown): string {
  if (error instanceof CorruptRecordError) return 'corrupt_record';
  if (!(error instanceof Error)) return 'unknown';
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
  if (error.name === 'UpstashJSONParseError' || error instanceof SyntaxError || error instanceof z.ZodError) {
    return 'bad_response';
  }
  if (error.name === 'UpstashError') return 'redis_error';
  return 'connection';
}

export class RedisMemoryStore implements MemoryStore {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;

  constructor(private readonly options: RedisStoreOptions) {
    this.redis = createRestClient({ url: options.url, token: options.token, timeoutMs: options.timeoutMs, retries: 0 });
  }

  keys(sessionId: string) {
    const base = `${this.options.keyPrefix}:v${MEMORY_LAYOUT_VERSION}:session:{${sessionId}}`;
    return { meta: base, messages: `${base}:messages`, lock: `${base}:lock`, seen: `${base}:seen`, rate: `${base}:rate` };
  }

  async begin(sessionId: string, lockToken: string, lockTtlMs: number): Promise<BeginResult> {
    return this.load(sessionId, lockToken, lockTtlMs);
  }

  async read(sessionId: string): Promise<LoadedMemory> {
    const result = await this.load(sessionId, '', 0);
    // Without a lock token the script never answers busy.
    return result.kind === 'loaded' ? result.memory : unavailable('bad_response');
  }

  async append(sessionId: string, exchange: Exchange, options: AppendOptions): Promise<AppendResult> {
    const k = this.keys(sessionId);
    const { maxTurns, maxTokens, ttlSeconds } = this.options.caps;
    const raw = await this.redis.eval(
      APPEND_SCRIPT,
      [k.meta, k.messages, k.lock, k.seen],
      [
        options.lockToken,
        JSON.stringify(exchange.user),
        JSON.stringify(exchange.assistant),
        options.now.toISOString(),
        maxTurns * 2,
        maxTokens,
        ttlSeconds,
        SEEN_MARKER_TTL_SECONDS,
        options.fresh ? '1' : '0',
        String(MEMORY_LAYOUT_VERSION),
      ],
    );
    const reply = appendReplySchema.parse(raw);
    if (reply[0] === 'locked') return { kind: 'locked' };
    return { kind: 'stored', seq: reply[1], evicted: reply[2].flatMap((item) => parseMessageOrSkip(item)) };
  }

  async release(sessionId: string, lockToken: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, [this.keys(sessionId).lock], [lockToken]);
  }

  async saveSummary(sessionId: string, summary: string): Promise<void> {
    await this.redis.eval(SUMMARY_SCRIPT, [this.keys(sessionId).meta], [summary]);
  }

  async remove(sessionId: string): Promise<void> {
    const k = this.keys(sessionId);
    await this.redis.del(k.meta, k.messages, k.lock, k.seen, k.rate);
  }

  private async load(sessionId: string, lockToken: string, lockTtlMs: number): Promise<BeginResult> {
    const k = this.keys(sessionId);
    let reply: z.infer<typeof loadReplySchema>;
    try {
      const raw = await this.redis.eval(
        LOAD_SCRIPT,
        [k.meta, k.messages, k.lock, k.seen, k.rate],
        [lockToken, lockTtlMs, this.options.caps.turnsPerMinute ?? 0, RATE_WINDOW_MS],
      );
      reply = loadReplySchema.parse(raw);
    } catch (error) {
      logMemoryFailure(sessionId, error);
      return { kind: 'loaded', memory: unavailable(classifyRedisError(error)), locked: false };
    }
    if (reply[0] === 'busy') return { kind: 'busy' };
    if (reply[0] === 'rate_limited') return { kind: 'rate_limited', retryAfterMs: Math.max(reply[1], 0) };
    const [, locked, metaPairs, items, seen] = reply;
    try {
      return { kind: 'loaded', memory: parseRecord(metaPairs, items, seen === 1), locked: locked === 1 };
    } catch (error) {
      logMemoryFailure(sessionId, error);
      return { kind: 'loaded', memory: unavailable(classifyRedisError(error)), locked: locked === 1 };
    }
  }
}

function parseRecord(metaPairs: string[], items: string[], seen: boolean): LoadedMemory {
  if (metaPairs.length === 0) {
    if (items.length > 0) throw new CorruptRecordError('messages without session metadata');
    return { status: seen ? 'expired' : 'new', messages: [], summary: null, seq: 0, createdAt: null };
  }
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < metaPairs.length; i += 2) fields[metaPairs[i]!] = metaPairs[i + 1]!;
  const meta = metaSchema.safeParse(fields);
  if (!meta.success) throw new CorruptRecordError(`session metadata: ${meta.error.issues[0]?.message ?? 'invalid'}`);
  const messages = items.map((item) => {
    const parsed = parseMessage(item);
    if (!parsed) throw new CorruptRecordError('a stored message is not valid');
    return parsed;
  });
  return {
    status: 'ok',
    messages,
    summary: meta.data.summary ?? null,
    seq: meta.data.seq,
    createdAt: meta.data.createdAt,
  };
}

function parseMessage(item: string): MemoryMessage | null {
  try {
    const parsed = memoryMessageSchema.safeParse(JSON.parse(item));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function parseMessageOrSkip(item: string): MemoryMessage[] {
  const parsed = parseMessage(item);
  return parsed ? [parsed] : [];
}

function logMemoryFailure(sessionId: string, error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.warn(`[tether] memory unavailable for ${sessionId.slice(0, 12)}…: ${message}`);
}
