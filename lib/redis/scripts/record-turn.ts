import { defineScript } from '@/lib/redis/eval';

/**
 * Ends a turn that stores nothing in memory (the model failed, the customer stopped it before any
 * text, another turn took the conversation): releases the lease if it is still this turn's and
 * appends the final audit entry (the turn is no longer open), taking a turn number first if the turn has none. `void` closes
 * the pending entry of an attempt that turned out to be a resend.
 *
 * Replies: {'recorded', seq} | {'unseeded'}
 */
export const RECORD_TURN = defineScript({
  name: 'record-turn',
  keys: ['leaseKey', 'counterKey', 'streamKey', 'openKey'],
  args: ['auditId', 'givenSeq', 'seedSeq', 'seedKept', 'kind', 'record', 'recordVersion', 'counterTtlSeconds'],
  body: `
local seq = givenSeq
if seq == '' then
  if not redis.call('HGET', counterKey, 'seq') then
    if seedSeq == '' then return {'unseeded'} end
    redis.call('HSET', counterKey, 'seq', seedSeq, 'kept', seedKept)
  end
  seq = redis.call('HINCRBY', counterKey, 'seq', 1)
  redis.call('EXPIRE', counterKey, counterTtlSeconds)
end
if redis.call('GET', leaseKey) == auditId then redis.call('DEL', leaseKey) end
redis.call('ZREM', openKey, auditId)
redis.call('XADD', streamKey, '*', 'v', recordVersion, 'k', kind, 's', seq, 'r', record)
return {'recorded', tonumber(seq)}
`,
});
