import 'server-only';
import { z } from 'zod';
import { clientKey, clientOptionsOf } from '@/lib/security/client-info';
import { logAccess } from '@/lib/auth/access-log';
import { findAgentByEmail, recordSignIn, toIdentity } from '@/lib/auth/agents';
import type { AgentIdentity } from '@/lib/auth/identity';
import { burnPasswordCheck, PASSWORD_MAX_LENGTH, verifyPassword } from '@/lib/auth/password';
import { signInChecks } from '@/lib/auth/rate-limit';
import { limitAll, type RateLimiter } from '@/lib/rate-limit/window';
import type { AuthDeps } from '@/lib/auth/session';

/** A password check also counts failures, in the shared rate limiter. */
export interface CredentialsDeps extends AuthDeps {
  rateLimiter: RateLimiter;
}

export type CredentialsOutcome =
  | { kind: 'ok'; agent: AgentIdentity }
  | { kind: 'invalid' }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().min(3).max(254),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});

/**
 * The Credentials provider's check. Before any password work it asks whether this (e-mail, client
 * address) and this address still have failures left (lib/auth/rate-limit.ts: no limit on the
 * e-mail alone, so nobody can lock an agent out from elsewhere); each failure is then counted.
 * Unknown e-mails cost as much time as wrong passwords, and every attempt lands in the access log
 * (unknown e-mails as the address that was typed, without an agent).
 */
export async function checkCredentials(deps: CredentialsDeps, input: unknown, request: Request): Promise<CredentialsOutcome> {
  const parsed = credentialsSchema.safeParse(input);
  if (!parsed.success) return { kind: 'invalid' };
  const { email, password } = parsed.data;
  const db = (await deps.database()).db;

  // The salted IP hash the audit already uses: the limiter never stores a raw address.
  const ipKey = clientKey(request, clientOptionsOf(deps.config));
  const checks = signInChecks(email, ipKey);
  const limiter = deps.rateLimiter;
  const agent = await findAgentByEmail(db, email);
  const actor = agent ? { id: agent.id, email: agent.email } : { id: null, email: email.slice(0, 254) };
  const where = { client: ipKey };

  const verdict = await limitAll(limiter, checks, 0);
  if (!verdict.success) {
    await logAccess(db, actor, 'sign_in_limited', { detail: { ...where, retryAfterSeconds: verdict.retryAfterSeconds } });
    return { kind: 'rate_limited', retryAfterSeconds: verdict.retryAfterSeconds };
  }
  const fail = async (reason: string): Promise<CredentialsOutcome> => {
    await limitAll(limiter, checks, 1);
    await logAccess(db, actor, 'sign_in_failed', { detail: { ...where, reason } });
    return { kind: 'invalid' };
  };

  if (!agent?.passwordHash || agent.disabledAt) {
    await burnPasswordCheck(password);
    return fail(!agent ? 'unknown_email' : agent.disabledAt ? 'disabled' : 'no_password');
  }
  if (!(await verifyPassword(agent.passwordHash, password))) return fail('wrong_password');
  await recordSignIn(db, agent.id);
  await logAccess(db, agent, 'sign_in', { detail: { ...where, provider: 'credentials' } });
  return { kind: 'ok', agent: toIdentity(agent) };
}
