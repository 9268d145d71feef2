import { createHash } from 'node:crypto';

/**
 * The sliding-window check as one Lua script: read both windows, decide, count. Plain Redis 7.0
 * runs it as well as Upstash (no shebang flags: Redis 7.0 rejects `allow-key-locking`). The same
 * comparison as `fits()` in window.ts; a request that is refused is not counted, so a client that
 * stops flooding gets its budget back as the window slides.
 * Returns {allowed (1/0), previous count, current count after this call}.
 */
export const SLIDING_WINDOW_SCRIPT = `
local current_key = KEYS[1]
local previous_key = KEYS[2]
local limit = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local elapsed_ms = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local previous_count = tonumber(redis.call('GET', previous_key) or '0')
local current_count = tonumber(redis.call('GET', current_key) or '0')
local estimated = math.floor(previous_count * (window_ms - elapsed_ms) / window_ms) + current_count
if estimated + math.max(cost, 1) > limit then
  return {0, previous_count, current_count}
end
if cost > 0 then
  current_count = redis.call('INCRBY', current_key, cost)
  if current_count == cost then
    redis.call('PEXPIRE', current_key, window_ms * 2 + 1000)
  end
end
return {1, previous_count, current_count}
`.trim();

export const SLIDING_WINDOW_SHA = createHash('sha1').update(SLIDING_WINDOW_SCRIPT).digest('hex');
