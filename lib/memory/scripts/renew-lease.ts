/**
 * Keeps a running turn's lease alive while the model streams, and tells it whether the customer
 * asked to stop it (the stop may have arrived at another instance).
 * A lease that is no longer this turn's (it lapsed, or the turn already committed) is never taken
 * back: a late renewal must not lock the conversation again.
 *
 * Replies: 'held' | 'stop' | 'lost'
 */
export const RENEW_LEASE_SCRIPT = `
local leaseKey = KEYS[1]
local stopKey = KEYS[2]
local auditId = ARGV[1]
local leaseMs = ARGV[2]

if redis.call('GET', leaseKey) ~= auditId then return 'lost' end
redis.call('PEXPIRE', leaseKey, leaseMs)
if redis.call('GET', stopKey) == auditId then return 'stop' end
return 'held'
`;
