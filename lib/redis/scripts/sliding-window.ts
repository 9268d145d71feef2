import { defineScript } from '@/lib/redis/eval';

/**
 * The sliding-window check as Lua, in one place: the limiter's own script runs it, and the begin
 * script (begin-turn.ts) runs it for the chat limits and the per-conversation limit in the turn's
 * first round trip. Plain Redis 7.0 runs it as well as Upstash (no shebang flags: Redis 7.0 rejects
 * `allow-key-locking`). The same comparison as `fits()` in lib/rate-limit/window.ts; a request that
 * is refused is not counted, so a client that stops flooding gets its budget back as the window slides.
 * `slide(...)` returns allowed (1/0), the previous window's count, the current one's after this call.
 */
export const SLIDE_FUNCTION = `
local function slide(current_key, previous_key, limit, window_ms, elapsed_ms, cost)
  local max_requests = tonumber(limit)
  local window = tonumber(window_ms)
  local elapsed = tonumber(elapsed_ms)
  local weight = tonumber(cost)
  local previous_count = tonumber(redis.call('GET', previous_key) or '0')
  local current_count = tonumber(redis.call('GET', current_key) or '0')
  local estimated = math.floor(previous_count * (window - elapsed) / window) + current_count
  if estimated + math.max(weight, 1) > max_requests then
    return 0, previous_count, current_count
  end
  if weight > 0 then
    current_count = redis.call('INCRBY', current_key, weight)
    if current_count == weight then
      redis.call('PEXPIRE', current_key, window * 2 + 1000)
    end
  end
  return 1, previous_count, current_count
end
`;

/** Returns {allowed (1/0), previous count, current count after this call}. */
export const SLIDING_WINDOW = defineScript({
  name: 'sliding-window',
  keys: ['current_key', 'previous_key'],
  args: ['limit', 'window_ms', 'elapsed_ms', 'cost'],
  body: `
${SLIDE_FUNCTION.trim()}
local allowed, previous_count, current_count = slide(current_key, previous_key, limit, window_ms, elapsed_ms, cost)
return {allowed, previous_count, current_count}
`,
});

export const SLIDING_WINDOW_SCRIPT = SLIDING_WINDOW.source;
export const SLIDING_WINDOW_SHA = SLIDING_WINDOW.sha;
