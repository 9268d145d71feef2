import type { Config } from '@/lib/config';
import { LocalMemoryStore } from '@/lib/memory/local-store';
import { RedisMemoryStore } from '@/lib/memory/redis-store';
import type { MemoryStore } from '@/lib/memory/types';

export function createMemoryStore(config: Config['memory']): MemoryStore {
  const caps = {
    maxTurns: config.maxTurns,
    maxTokens: config.maxTokens,
    ttlSeconds: config.ttlSeconds,
    turnsPerMinute: config.turnsPerMinute,
  };
  if (config.backend.kind === 'redis') {
    return new RedisMemoryStore({
      url: config.backend.url,
      token: config.backend.token,
      timeoutMs: config.backend.timeoutMs,
      keyPrefix: config.keyPrefix,
      caps,
    });
  }
  return new LocalMemoryStore(caps);
}
