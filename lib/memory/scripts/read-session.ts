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

/**
 * Adopts a conversation's keys from the previous key layout (v2, named by the session id) into the
 * current one (named by its reference), once, the first time the upgraded store sees the id. RENAME
 * keeps each key's TTL. Never overwrites: a conversation that already has current keys keeps them.
 *
 * KEYS: old meta, old messages, old counter, new meta, new messages, new counter. Reply: 1 adopted, 0 not.
 */
export const ADOPT_LEGACY_KEYS_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[4]) == 1 or redis.call('EXISTS', KEYS[6]) == 1 then return 0 end
for i = 1, 3 do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('RENAME', KEYS[i], KEYS[i + 3]) end
end
return 1
`;
