import type { Redis } from '@upstash/redis';
import type { Config } from '@/lib/config';
import { LocalMemoryStore, type LocalAuditSink } from '@/lib/memory/local-store';
import { RedisMemoryStore } from '@/lib/memory/redis-store';
import type { MemoryCaps, MemoryStore } from '@/lib/memory/types';

export function memoryCaps(config: Config['memory']): MemoryCaps {
  return {
    maxTurns: config.maxTurns,
    maxTokens: config.maxTokens,
    ttlSeconds: config.ttlSeconds,
    turnsPerMinute: config.turnsPerMinute,
  };
}

/** Redis when the deployment has it (the client comes from the runtime), else the embedded store. */
export function createMemoryStore(
  config: Config['memory'],
  backend: { redis: Redis } | { localSink: LocalAuditSink; dir: string },
): MemoryStore {
  const caps = memoryCaps(config);
  if ('redis' in backend) return new RedisMemoryStore({ redis: backend.redis, keyPrefix: config.keyPrefix, caps });
  return new LocalMemoryStore(caps, backend.localSink, { dir: backend.dir });
}
