import type { Redis } from '@upstash/redis';
import type { Config } from '@/lib/config';
import { LocalMemoryStore, type LocalAuditSink } from '@/lib/conversation/local/store';
import { RedisMemoryStore } from '@/lib/conversation/redis/store';
import type { ConversationBackend, MemoryCaps } from '@/lib/conversation/types';

export function memoryCaps(config: Config['memory']): MemoryCaps {
  return {
    maxTurns: config.maxTurns,
    maxTokens: config.maxTokens,
    ttlSeconds: config.ttlSeconds,
    turnsPerMinute: config.turnsPerMinute,
  };
}

/**
 * The backend of conversations: Redis when the deployment has it (the client comes from the runtime),
 * else the embedded store. A new backend is one folder beside redis/ and local/ implementing
 * ConversationBackend (lib/conversation/types.ts), and one line here.
 */
export function createConversationBackend(
  config: Config['memory'],
  backend: { redis: Redis } | { localSink: LocalAuditSink; dir: string },
): ConversationBackend {
  const caps = memoryCaps(config);
  if ('redis' in backend) return new RedisMemoryStore({ redis: backend.redis, keyPrefix: config.keyPrefix, caps });
  return new LocalMemoryStore(caps, backend.localSink, { dir: backend.dir });
}
