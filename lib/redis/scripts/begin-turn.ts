import { defineScript } from '@/lib/redis/eval';

/**
 * Begins one turn of a conversation in one atomic step: checks the lease, answers a resend from
 * memory, counts the turn against the session's rate limit, takes the next turn number and the
 * lease, loads the window and appends the turn's `pending` audit entry to the audit stream.
 *
 * Replies: {'busy'} | {'replay', userItem, assistantItem} | {'unseeded'} | {'rate_limited', pttl}
 *        | {'begun', seq, kept, metaPairs, items}
 * 'unseeded': Redis does not know this conversation's turn counter (new to Redis, or its data was
 * lost); the caller asks the durable record and calls again with a seed.
 */
export const BEGIN_TURN = defineScript({
  name: 'begin-turn',
  keys: ['metaKey', 'messagesKey', 'counterKey', 'leaseKey', 'rateKey', 'streamKey'],
  args: [
    'auditId',
    'leaseMs',
    'rateLimit',
    'rateWindowMs',
    'messageId',
    'counterTtlSeconds',
    'seedSeq',
    'seedKept',
    'pendingRecord',
    'recordVersion',
  ],
  body: `
local holder = redis.call('GET', leaseKey)
if holder and holder ~= auditId then return {'busy'} end

local items = redis.call('LRANGE', messagesKey, 0, -1)
if messageId ~= '' then
  -- Our own JSON: a customer's quotes are escaped, so this needle only matches the field itself.
  local needle = '"messageId":"' .. messageId .. '"'
  for i = 1, #items - 1 do
    if string.find(items[i], needle, 1, true) then return {'replay', items[i], items[i + 1]} end
  end
end

local counter = redis.call('HMGET', counterKey, 'seq', 'kept')
if not counter[1] then
  if seedSeq == '' then return {'unseeded'} end
  redis.call('HSET', counterKey, 'seq', seedSeq, 'kept', seedKept)
  counter = {seedSeq, seedKept}
end

-- Counted only once the turn may run: waiting for a busy conversation and replays are free.
local limit = tonumber(rateLimit)
if limit > 0 then
  local started = redis.call('INCR', rateKey)
  if started == 1 then redis.call('PEXPIRE', rateKey, rateWindowMs) end
  if started > limit then return {'rate_limited', redis.call('PTTL', rateKey)} end
end

local seq = redis.call('HINCRBY', counterKey, 'seq', 1)
redis.call('EXPIRE', counterKey, counterTtlSeconds)
redis.call('SET', leaseKey, auditId, 'PX', leaseMs)
redis.call('XADD', streamKey, '*', 'v', recordVersion, 'k', 'pending', 's', seq, 'r', pendingRecord)
return {'begun', seq, tonumber(counter[2]) or 0, redis.call('HGETALL', metaKey), items}
`,
});
