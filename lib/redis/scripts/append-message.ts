import { defineScript } from '@/lib/redis/eval';
import { EXCHANGE_FUNCTION } from '@/lib/redis/scripts/exchange';

/**
 * An agent's message into a conversation, in one atomic step with its audit entry: only while the
 * conversation is the agent's (state `agent`, owned by `agentId`, as change-state.ts set it), the
 * message joins the window (a fresh window when memory expired), which is trimmed to the caps like a
 * turn's (exchange.ts); sliding TTL; the conversation's event counter moves on; and the `message`
 * entry goes to the audit stream, numbered by the turn number then (`s`) and its event number (`e`).
 *
 * Replies: {'appended', eventSeq, afterSeq, evictedItems} | {'refused', state, ownerId, ownerName}
 */
export const APPEND_MESSAGE = defineScript({
  name: 'append-message',
  keys: ['metaKey', 'messagesKey', 'counterKey', 'streamKey'],
  args: [
    'agentId',
    'item',
    'now',
    'maxMessages',
    'maxTokens',
    'ttlSeconds',
    'counterTtlSeconds',
    'layoutVersion',
    'record',
    'recordVersion',
  ],
  body: `
${EXCHANGE_FUNCTION.trim()}
local held = redis.call('HMGET', counterKey, 'seq', 'st', 'so', 'sn')
if held[2] ~= 'agent' or held[3] ~= agentId then return {'refused', held[2] or 'assistant', held[3] or '', held[4] or ''} end

local items = {}
if redis.call('HGET', metaKey, 'v') ~= layoutVersion then
  redis.call('DEL', metaKey, messagesKey)
  redis.call('HSET', metaKey, 'v', layoutVersion, 'createdAt', now)
else
  items = redis.call('LRANGE', messagesKey, 0, -1)
end
items[#items + 1] = item
local start, evicted = trim_start(items, maxMessages, maxTokens)
redis.call('RPUSH', messagesKey, item)
if start > 1 then redis.call('LTRIM', messagesKey, start - 1, -1) end
redis.call('HSET', metaKey, 'lastActivityAt', now)
redis.call('EXPIRE', metaKey, ttlSeconds)
redis.call('EXPIRE', messagesKey, ttlSeconds)

local eventSeq = redis.call('HINCRBY', counterKey, 'ev', 1)
-- The agent's silence clock starts again.
redis.call('HSET', counterKey, 'la', now)
redis.call('EXPIRE', counterKey, counterTtlSeconds)
redis.call('XADD', streamKey, '*', 'v', recordVersion, 'k', 'message', 's', held[1], 'e', eventSeq, 'r', record)
return {'appended', eventSeq, tonumber(held[1]), evicted}
`,
});
