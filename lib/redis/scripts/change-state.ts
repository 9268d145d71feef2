import { defineScript } from '@/lib/redis/eval';

/**
 * Changes who answers a conversation (lib/handoff) in one atomic step with the audit entry of the
 * change: compare-and-set on the conversation's event counter (`ev` in its counter hash), so of two
 * agents pressing "Take over" at once exactly one changes it and the other reads the winner; then
 * the new state, the counter's TTL, and the `state` entry on the audit stream, numbered by the turn
 * number current then (`s`) and the event's own number (`e`).
 *
 * Replies: {'changed', eventSeq, afterSeq} | {'conflict'} | {'unseeded'}
 * 'unseeded': Redis does not know the conversation's counter; the caller asks the durable record
 * and calls again with a seed (its turn number, exchanges kept, and its last known state).
 */
export const CHANGE_STATE = defineScript({
  name: 'change-state',
  keys: ['counterKey', 'streamKey'],
  args: [
    'expectedEventSeq',
    'state',
    'ownerId',
    'ownerName',
    'since',
    'reason',
    'counterTtlSeconds',
    'seedSeq',
    'seedKept',
    'seedEventSeq',
    'seedState',
    'seedOwnerId',
    'seedOwnerName',
    'seedSince',
    'seedReason',
    'record',
    'recordVersion',
  ],
  body: `
local counter = redis.call('HMGET', counterKey, 'seq', 'ev')
if not counter[1] then
  if seedSeq == '' then return {'unseeded'} end
  redis.call('HSET', counterKey, 'seq', seedSeq, 'kept', seedKept, 'ev', seedEventSeq, 'st', seedState,
    'so', seedOwnerId, 'sn', seedOwnerName, 'ss', seedSince, 'sr', seedReason)
  counter = {seedSeq, seedEventSeq}
end
if (tonumber(counter[2]) or 0) ~= tonumber(expectedEventSeq) then return {'conflict'} end
local eventSeq = redis.call('HINCRBY', counterKey, 'ev', 1)
-- A new stretch: model errors count again from zero; an agent taking it starts their silence clock.
redis.call('HSET', counterKey, 'st', state, 'so', ownerId, 'sn', ownerName, 'ss', since, 'sr', reason, 'me', 0)
if state == 'agent' then redis.call('HSET', counterKey, 'la', since) end
redis.call('EXPIRE', counterKey, counterTtlSeconds)
redis.call('XADD', streamKey, '*', 'v', recordVersion, 'k', 'state', 's', counter[1], 'e', eventSeq, 'r', record)
return {'changed', eventSeq, tonumber(counter[1])}
`,
});
