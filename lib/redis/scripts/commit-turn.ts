import { defineScript } from '@/lib/redis/eval';
import { EXCHANGE_FUNCTION } from '@/lib/redis/scripts/exchange';

/**
 * Stores a finished exchange and its final audit entry in one atomic step: lease check,
 * idempotency on the client's messageId, append, trim to the caps (oldest exchange first, the rule
 * of applyCaps() in lib/conversation/types.ts), sliding TTL, turn number, lease release, the turn no longer open, XADD.
 * An empty `assistantItem` stores the customer's message alone (held for a person: no model reply).
 *
 * Replies: {'stored', seq, evictedItems} | {'locked'} | {'duplicate', userItem, assistantItem}
 *        | {'unseeded'}
 * 'locked' and 'duplicate' write nothing (the caller records the turn's audit on its own);
 * 'unseeded' (only when the turn has no number yet) asks for a seed from the durable record.
 */
export const COMMIT_TURN = defineScript({
  name: 'commit-turn',
  keys: ['metaKey', 'messagesKey', 'counterKey', 'leaseKey', 'streamKey', 'openKey'],
  args: [
    'auditId',
    'userItem',
    'assistantItem',
    'now',
    'maxMessages',
    'maxTokens',
    'ttlSeconds',
    'counterTtlSeconds',
    'fresh',
    'layoutVersion',
    'messageId',
    'givenSeq',
    'seedSeq',
    'seedKept',
    'finalRecord',
    'recordVersion',
  ],
  body: `
${EXCHANGE_FUNCTION.trim()}
local holder = redis.call('GET', leaseKey)
if holder and holder ~= auditId then return {'locked'} end
if givenSeq == '' and not redis.call('HGET', counterKey, 'seq') and seedSeq == '' then return {'unseeded'} end

local reset = fresh == '1' or redis.call('HGET', metaKey, 'v') ~= layoutVersion
local items = {}
if reset then
  redis.call('DEL', metaKey, messagesKey)
else
  items = redis.call('LRANGE', messagesKey, 0, -1)
end
if messageId ~= '' then
  local needle = '"messageId":"' .. messageId .. '"'
  for i = 1, #items - 1 do
    -- Only an answered message is a resend's answer (a message held for a person has none).
    if string.find(items[i], needle, 1, true) and exchange_length(items, i) == 2 then
      if holder then redis.call('DEL', leaseKey) end
      return {'duplicate', items[i], items[i + 1]}
    end
  end
end

items[#items + 1] = userItem
if assistantItem ~= '' then items[#items + 1] = assistantItem end
local start, evicted = trim_start(items, maxMessages, maxTokens)

if assistantItem ~= '' then
  redis.call('RPUSH', messagesKey, userItem, assistantItem)
else
  redis.call('RPUSH', messagesKey, userItem)
end
if start > 1 then redis.call('LTRIM', messagesKey, start - 1, -1) end
if reset then redis.call('HSET', metaKey, 'v', layoutVersion, 'createdAt', now) end
redis.call('HSET', metaKey, 'lastActivityAt', now)
redis.call('EXPIRE', metaKey, ttlSeconds)
redis.call('EXPIRE', messagesKey, ttlSeconds)

local seq = givenSeq
if seq == '' then
  if not redis.call('HGET', counterKey, 'seq') then redis.call('HSET', counterKey, 'seq', seedSeq, 'kept', seedKept) end
  seq = redis.call('HINCRBY', counterKey, 'seq', 1)
end
redis.call('HINCRBY', counterKey, 'kept', 1)
-- The counter vanished mid-turn (a flush, a delete): it must never fall behind a number handed out.
if not redis.call('HGET', counterKey, 'seq') then redis.call('HSET', counterKey, 'seq', seq) end
redis.call('EXPIRE', counterKey, counterTtlSeconds)
if holder then redis.call('DEL', leaseKey) end
redis.call('ZREM', openKey, auditId)
redis.call('XADD', streamKey, '*', 'v', recordVersion, 'k', 'final', 's', seq, 'r', finalRecord)
return {'stored', tonumber(seq), evicted}
`,
});
