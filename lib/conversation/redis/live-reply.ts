import type { Redis } from '@upstash/redis';
import { decodeLive, encodeLive, type LiveReply, type LiveReplyStore } from '@/lib/conversation/live-reply';
import { liveReplyKey } from '@/lib/redis/keys';

/** The Redis commands this store needs, so tests can pass any client. */
export type LiveRedis = Pick<Redis, 'set' | 'get' | 'append' | 'expire' | 'multi'>;

export class RedisLiveReplyStore implements LiveReplyStore {
  constructor(
    private readonly redis: LiveRedis,
    private readonly keyPrefix: string,
  ) {}

  private key(sessionId: string): string {
    return liveReplyKey(this.keyPrefix, sessionId);
  }

  async write(sessionId: string, reply: LiveReply, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(sessionId), encodeLive(reply), { ex: ttlSeconds });
  }

  async append(sessionId: string, text: string, ttlSeconds: number): Promise<void> {
    // One request: APPEND and the TTL refresh together.
    await this.redis.multi().append(this.key(sessionId), text).expire(this.key(sessionId), ttlSeconds).exec();
  }

  async read(sessionId: string): Promise<LiveReply | null> {
    return decodeLive(await this.redis.get<string>(this.key(sessionId)));
  }
}
