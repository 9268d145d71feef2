/**
 * Reads a conversation without touching it (restoring the widget after a reload, the summary job,
 * the admin): metadata, the window, and the turn counter that tells "expired" from "new".
 *
 * Reply: {metaPairs, items, seq|false, kept|false}
 */
export const READ_SESSION_SCRIPT = `
local metaKey = KEYS[1]
local messagesKey = KEYS[2]
local counterKey = KEYS[3]
local counter = redis.call('HMGET', counterKey, 'seq', 'kept')
return {redis.call('HGETALL', metaKey), redis.call('LRANGE', messagesKey, 0, -1), counter[1] or '', counter[2] or ''}
`;

/** Creates the turn counter of a session the server just issued, so its first turn is known as new. */
export const REGISTER_SESSION_SCRIPT = `
local counterKey = KEYS[1]
local ttlSeconds = ARGV[1]
if redis.call('EXISTS', counterKey) == 0 then
  redis.call('HSET', counterKey, 'seq', 0, 'kept', 0)
  redis.call('EXPIRE', counterKey, ttlSeconds)
end
return 1
`;

/** Replaces the rolling summary while the record still exists. */
export const SAVE_SUMMARY_SCRIPT = `
local metaKey = KEYS[1]
local summary = ARGV[1]
if redis.call('EXISTS', metaKey) == 1 then return redis.call('HSET', metaKey, 'summary', summary) end
return 0
`;
