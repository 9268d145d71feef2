import { defineScript } from '@/lib/redis/eval';

/**
 * Ends a turn that stores nothing in memory (the model failed, the customer stopped it before any
 * text, another turn took the conversation): releases the lease if it is still this turn's and
 * appends the final audit entry (the turn is no longer open), taking a turn number first if the turn has none. `void` closes
 * the pending entry of an attempt that turned out to be a resend.
 *
 * A model error (`modelError` '1') also counts in the conversation's model errors since its last
 * state change (`me` in the counter hash): what the handoff rule "after N model errors" reads.
 *
 * Replies: {'recorded', seq, modelErrors} | {'unseeded'}
 */
export const RECORD_TURN = defineScript({
  name: 'record-turn',
  keys: ['leaseKey', 'counterKey', 'streamKey', 'openKey'],
  args: ['auditId', 'givenSeq', 'seedSeq', 'seedKept', 'kind', 'record', 'recordVersion', 'counterTtlSeconds', 'modelError'],
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
local errors = 0
if modelError == '1' then errors = redis.call('HINCRBY', counterKey, 'me', 1) end
return {'recorded', tonumber(seq), errors}
`,
});
