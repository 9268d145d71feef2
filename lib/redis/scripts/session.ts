import { defineScript } from '@/lib/redis/eval';

/**
 * Reads a conversation without touching it (restoring the widget after a reload, the summary job,
 * the admin): metadata, the window, and the turn counter that tells "expired" from "new".
 *
 * Reply: {metaPairs, items, seq|'', kept|''}
 */
export const READ_SESSION = defineScript({
  name: 'read-session',
  keys: ['metaKey', 'messagesKey', 'counterKey'],
  args: [],
  body: `
local counter = redis.call('HMGET', counterKey, 'seq', 'kept')
return {redis.call('HGETALL', metaKey), redis.call('LRANGE', messagesKey, 0, -1), counter[1] or '', counter[2] or ''}
`,
});

/** Creates the turn counter of a session the server just issued, so its first turn is known as new. */
export const REGISTER_SESSION = defineScript({
  name: 'register-session',
  keys: ['counterKey'],
  args: ['ttlSeconds'],
  body: `
if redis.call('EXISTS', counterKey) == 0 then
  redis.call('HSET', counterKey, 'seq', 0, 'kept', 0)
  redis.call('EXPIRE', counterKey, ttlSeconds)
end
return 1
`,
});

/** Replaces the rolling summary while the record still exists. */
export const SAVE_SUMMARY = defineScript({
  name: 'save-summary',
  keys: ['metaKey'],
  args: ['summary'],
  body: `
if redis.call('EXISTS', metaKey) == 1 then return redis.call('HSET', metaKey, 'summary', summary) end
return 0
`,
});

/**
 * Adopts a conversation's keys from the previous key layout (v2, named by the session id) into the
 * current one (named by its reference), once, the first time the upgraded store sees the id. RENAME
 * keeps each key's TTL. Never overwrites: a conversation that already has current keys keeps them.
 *
 * Reply: 1 adopted, 0 not.
 */
export const ADOPT_LEGACY_KEYS = defineScript({
  name: 'adopt-legacy-keys',
  keys: ['oldMetaKey', 'oldMessagesKey', 'oldCounterKey', 'metaKey', 'messagesKey', 'counterKey'],
  args: [],
  body: `
if redis.call('EXISTS', oldMetaKey) == 0 and redis.call('EXISTS', oldCounterKey) == 0 then return 0 end
if redis.call('EXISTS', metaKey) == 1 or redis.call('EXISTS', counterKey) == 1 then return 0 end
local moves = {{oldMetaKey, metaKey}, {oldMessagesKey, messagesKey}, {oldCounterKey, counterKey}}
for _, move in ipairs(moves) do
  if redis.call('EXISTS', move[1]) == 1 then redis.call('RENAME', move[1], move[2]) end
end
return 1
`,
});
