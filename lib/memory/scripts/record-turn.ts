/**
 * Ends a turn that stores nothing in memory (the model failed, the customer stopped it before any
 * text, another turn took the conversation): releases the lease if it is still this turn's and
 * appends the final audit record, taking a turn number first if the turn has none. `void` closes
 * the pending record of an attempt that turned out to be a resend.
 *
 * Replies: {'recorded', seq} | {'unseeded'}
 */
export const RECORD_TURN_SCRIPT = `
local leaseKey = KEYS[1]
local counterKey = KEYS[2]
local streamKey = KEYS[3]
local auditId = ARGV[1]
local givenSeq = ARGV[2]
local seedSeq = ARGV[3]
local seedKept = ARGV[4]
local kind = ARGV[5]
local record = ARGV[6]
local recordVersion = ARGV[7]
local counterTtlSeconds = ARGV[8]

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
redis.call('XADD', streamKey, '*', 'v', recordVersion, 'k', kind, 's', seq, 'r', record)
return {'recorded', tonumber(seq)}
`;
