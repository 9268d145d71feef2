import { defineListScript, defineScript } from '@/lib/redis/eval';

/**
 * Unless another drainer holds the lock, trims the entries the previous batch applied and reads the
 * oldest ones, holding the lock (taken or renewed) while there are any: one round trip a batch. Batches are read from the start of the stream, so
 * everything before the first id not yet applied is done: XTRIM MINID frees it (XDEL would leave the
 * stream's nodes allocated). The same trip tells whether the first release's outbox list holds
 * anything and how many turns began before `staleBefore` and never ended (the open-turn set the
 * conversation scripts keep): an idle drainer learns everything it needs in one request, and asks
 * Postgres nothing unless there is something to abandon. `forgetBefore` drops the open turns that
 * the last abandon pass settled.
 *
 * Replies: {0, lockPttl} (another drainer holds the lock) | {1, entries, legacyLength, staleOpenTurns}
 */
export const TAKE_AUDIT_BATCH = defineScript({
  name: 'take-audit-batch',
  keys: ['lockKey', 'streamKey', 'legacyKey', 'openKey'],
  args: ['token', 'lockMs', 'count', 'appliedUpTo', 'staleBefore', 'forgetBefore'],
  body: `
local holder = redis.call('GET', lockKey)
if holder and holder ~= token then return {0, redis.call('PTTL', lockKey)} end
if appliedUpTo ~= '' then redis.call('XTRIM', streamKey, 'MINID', appliedUpTo) end
local entries = redis.call('XRANGE', streamKey, '-', '+', 'COUNT', count)
-- Held only while there is something to apply: an idle sweep never keeps another instance waiting.
if #entries > 0 then
  redis.call('SET', lockKey, token, 'PX', lockMs)
elseif holder then
  redis.call('DEL', lockKey)
end
if forgetBefore ~= '' then redis.call('ZREMRANGEBYSCORE', openKey, '-inf', '(' .. forgetBefore) end
local stale = 0
if staleBefore ~= '' then stale = redis.call('ZCOUNT', openKey, '-inf', '(' .. staleBefore) end
return {1, entries, redis.call('LLEN', legacyKey), stale}
`,
});

/** Gives the drainer lock up, if this drainer still holds it. */
export const RELEASE_AUDIT_LOCK = defineScript({
  name: 'release-audit-lock',
  keys: ['lockKey'],
  args: ['token'],
  body: `
if redis.call('GET', lockKey) == token then return redis.call('DEL', lockKey) end
return 0
`,
});

/**
 * KEYS: lease keys; ARGV: the audit id expected in each (parallel lists). For each pair: 1 when that
 * turn still holds its conversation's lease.
 */
export const LEASES_HELD = defineListScript({
  name: 'leases-held',
  body: `
local held = {}
for i, leaseKey in ipairs(KEYS) do
  if redis.call('GET', leaseKey) == ARGV[i] then held[i] = 1 else held[i] = 0 end
end
return held
`,
});
