import { createHash } from 'node:crypto';
import type { Redis } from '@upstash/redis';

/** One Lua script, run by its SHA-1 (EVALSHA) so the script text is not sent on every call. */
export type RedisScript = (keys: string[], args: (string | number)[]) => Promise<unknown>;

/**
 * Runs `source` with EVALSHA; when Redis does not have it cached (NOSCRIPT: first use, a restart, a
 * SCRIPT FLUSH) it is sent once with EVAL, which also caches it. The error is recognised by Redis's
 * own error code in the message, never by class.
 */
export function defineScript(redis: Redis, source: string): RedisScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (keys, args) => {
    const argv = args.map(String);
    try {
      return await redis.evalsha(sha, keys, argv);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return redis.eval(source, keys, argv);
    }
  };
}

export function isNoScript(error: unknown): boolean {
  return error instanceof Object && 'message' in error && /NOSCRIPT/i.test(String((error as { message: unknown }).message));
}
