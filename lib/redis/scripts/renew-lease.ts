import { defineScript } from '@/lib/redis/eval';

/**
 * Keeps a running turn's lease alive while the model streams, and tells it whether the customer
 * asked to stop it (the stop may have arrived at another instance).
 * A lease that is no longer this turn's (it lapsed, or the turn already committed) is never taken
 * back: a late renewal must not lock the conversation again. A held lease also moves the turn's
 * score in the open-turn set, so only a turn nobody renews looks abandoned to the drainer.
 *
 * Replies: 'held' | 'stop' | 'lost'
 */
export const RENEW_LEASE = defineScript({
  name: 'renew-lease',
  keys: ['leaseKey', 'stopKey', 'openKey'],
  args: ['auditId', 'leaseMs', 'nowMs'],
  body: `
if redis.call('GET', leaseKey) ~= auditId then return 'lost' end
redis.call('PEXPIRE', leaseKey, leaseMs)
-- A sign of life: a long turn is not taken for an abandoned one (XX: a turn already ended stays ended).
redis.call('ZADD', openKey, 'XX', nowMs, auditId)
if redis.call('GET', stopKey) == auditId then return 'stop' end
return 'held'
`,
});
