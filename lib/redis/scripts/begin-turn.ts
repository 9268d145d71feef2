import { defineScript } from '@/lib/redis/eval';
import { EXCHANGE_FUNCTION } from '@/lib/redis/scripts/exchange';
import { SLIDE_FUNCTION } from '@/lib/redis/scripts/sliding-window';

/**
 * Begins one turn of a conversation in one atomic step: counts the request against the chat limits
 * (per client address and the deployment's model-call budget, when given: the first attempt of a
 * request only), checks the lease, answers a resend from memory, counts the turn against the
 * conversation's limit, takes the next turn number and the lease, loads the window, marks the turn
 * open and appends its `pending` audit entry to the audit stream. The limits are sliding windows
 * (slide(), sliding-window.ts); a limit whose `...Limit` is 0 is not checked.
 *
 * Replies: {checks, outcome}, `checks` the flat {allowed, previous, current} of each chat limit
 * checked, in order, and `outcome` one of
 *   {'limited'} (a chat limit refused: nothing else was done) | {'busy'}
 *   | {'replay', userItem, assistantItem} | {'unseeded'} | {'rate_limited', previous, current}
 *   | {'begun', seq, kept, metaPairs, items, state}
 * `state`: who answers the conversation (lib/handoff), from the counter hash: {st, so, sn, ss, sr, ev, la},
 * '' where unset (a conversation no change touched is the assistant's).
 * 'unseeded': Redis does not know this conversation's turn counter (new to Redis, or its data was
 * lost); the caller asks the durable record and calls again with a seed.
 */
export const BEGIN_TURN = defineScript({
  name: 'begin-turn',
  keys: [
    'metaKey',
    'messagesKey',
    'counterKey',
    'leaseKey',
    'streamKey',
    'openKey',
    'rateKey',
    'ratePreviousKey',
    'firstKey',
    'firstPreviousKey',
    'secondKey',
    'secondPreviousKey',
  ],
  args: [
    'auditId',
    'leaseMs',
    'nowMs',
    'rateLimit',
    'rateWindowMs',
    'rateElapsedMs',
    'firstLimit',
    'firstWindowMs',
    'firstElapsedMs',
    'secondLimit',
    'secondWindowMs',
    'secondElapsedMs',
    'messageId',
    'counterTtlSeconds',
    'seedSeq',
    'seedKept',
    'pendingRecord',
    'recordVersion',
  ],
  body: `
${SLIDE_FUNCTION.trim()}
${EXCHANGE_FUNCTION.trim()}
-- Every chat limit counts the attempt (no short-circuit), as separate checks would.
local checks = {}
local refused = false
local function check(current_key, previous_key, limit, window_ms, elapsed_ms)
  if tonumber(limit) <= 0 then return end
  local allowed, previous_count, current_count = slide(current_key, previous_key, limit, window_ms, elapsed_ms, 1)
  checks[#checks + 1] = allowed
  checks[#checks + 1] = previous_count
  checks[#checks + 1] = current_count
  if allowed == 0 then refused = true end
end
check(firstKey, firstPreviousKey, firstLimit, firstWindowMs, firstElapsedMs)
check(secondKey, secondPreviousKey, secondLimit, secondWindowMs, secondElapsedMs)
if refused then return {checks, {'limited'}} end

local holder = redis.call('GET', leaseKey)
if holder and holder ~= auditId then return {checks, {'busy'}} end

local items = redis.call('LRANGE', messagesKey, 0, -1)
if messageId ~= '' then
  -- Our own JSON: a customer's quotes are escaped, so this needle only matches the field itself.
  local needle = '"messageId":"' .. messageId .. '"'
  for i = 1, #items - 1 do
    -- Only an answered message is a resend's answer (a message held for a person has none).
    if string.find(items[i], needle, 1, true) and exchange_length(items, i) == 2 then
      return {checks, {'replay', items[i], items[i + 1]}}
    end
  end
end

local counter = redis.call('HMGET', counterKey, 'seq', 'kept')
if not counter[1] then
  if seedSeq == '' then return {checks, {'unseeded'}} end
  redis.call('HSET', counterKey, 'seq', seedSeq, 'kept', seedKept)
  counter = {seedSeq, seedKept}
end

-- Counted only once the turn may run: waiting for a busy conversation and replays are free.
if tonumber(rateLimit) > 0 then
  local allowed, previous_count, current_count = slide(rateKey, ratePreviousKey, rateLimit, rateWindowMs, rateElapsedMs, 1)
  if allowed == 0 then return {checks, {'rate_limited', previous_count, current_count}} end
end

local seq = redis.call('HINCRBY', counterKey, 'seq', 1)
redis.call('EXPIRE', counterKey, counterTtlSeconds)
redis.call('SET', leaseKey, auditId, 'PX', leaseMs)
redis.call('ZADD', openKey, nowMs, auditId)
redis.call('XADD', streamKey, '*', 'v', recordVersion, 'k', 'pending', 's', seq, 'r', pendingRecord)
local held = redis.call('HMGET', counterKey, 'st', 'so', 'sn', 'ss', 'sr', 'ev', 'la')
local state = {}
for i = 1, 7 do state[i] = held[i] or '' end
return {checks, {'begun', seq, tonumber(counter[2]) or 0, redis.call('HGETALL', metaKey), items, state}}
`,
});
