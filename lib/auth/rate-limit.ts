import type { RateRule } from '@/lib/rate-limit/window';

/**
 * Sign-in and setup budgets. No limit is keyed on the e-mail alone: that is the lock a stranger
 * could throw on any agent by typing wrong passwords. Failures count per (e-mail, client address)
 * and per client address, in tiers, so the wait grows the longer a guesser keeps going (a minute,
 * then a quarter of an hour, then hours) while the agent at their own desk is never affected.
 * Only failures are counted; a check before the password work only asks.
 */

const minute = 60;

/** Failures for one e-mail from one address: 5 a minute, 10 per 15 minutes, 20 a day. */
export const SIGN_IN_PER_EMAIL_IP: readonly RateRule[] = [
  { name: 'signin-email-ip-1m', limit: 5, windowSeconds: minute },
  { name: 'signin-email-ip-15m', limit: 10, windowSeconds: 15 * minute },
  { name: 'signin-email-ip-1d', limit: 20, windowSeconds: 24 * 60 * minute },
];

/** Failures from one address over all e-mails (an office shares one): 30 per 15 minutes, 100 a day. */
export const SIGN_IN_PER_IP: readonly RateRule[] = [
  { name: 'signin-ip-15m', limit: 30, windowSeconds: 15 * minute },
  { name: 'signin-ip-1d', limit: 100, windowSeconds: 24 * 60 * minute },
];

export const SETUP_PER_IP: RateRule = { name: 'setup-ip', limit: 10, windowSeconds: 15 * minute };

/** The (rule, key) pairs one sign-in attempt is checked and, when it fails, counted against. */
export function signInChecks(email: string, clientKey: string): Array<[RateRule, string]> {
  return [
    ...SIGN_IN_PER_EMAIL_IP.map((rule): [RateRule, string] => [rule, `${clientKey}:${email}`]),
    ...SIGN_IN_PER_IP.map((rule): [RateRule, string] => [rule, clientKey]),
  ];
}
