import 'server-only';
import { z } from 'zod';
import { clientInfo } from '@/lib/chat/client-info';
import { logAccess } from '@/lib/admin/access-log';
import { findAgentByEmail, recordSignIn, toIdentity, type AgentIdentity } from '@/lib/auth/agents';
import { burnPasswordCheck, PASSWORD_MAX_LENGTH, verifyPassword } from '@/lib/auth/password';
import { limitAll, SIGN_IN_PER_EMAIL, SIGN_IN_PER_IP } from '@/lib/auth/rate-limit';
import { rateLimiterFor } from '@/lib/auth/limiter';
import type { Runtime } from '@/lib/runtime';

export type CredentialsOutcome =
  | { kind: 'ok'; agent: AgentIdentity }
  | { kind: 'invalid' }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().min(3).max(254),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});

/**
 * The Credentials provider's check. Budgets are spent before any password work (per client IP and
 * per e-mail), unknown e-mails cost as much time as wrong passwords, and every outcome for an
 * existing agent lands in the access log.
 */
export async function checkCredentials(runtime: Runtime, input: unknown, request: Request): Promise<CredentialsOutcome> {
  const parsed = credentialsSchema.safeParse(input);
  if (!parsed.success) return { kind: 'invalid' };
  const { email, password } = parsed.data;

  // The salted IP hash the audit already uses: the limiter never stores a raw address.
  const ipKey = clientInfo(request, runtime.config.audit.ipSalt).ipHash ?? 'unknown';
  const verdict = await limitAll(rateLimiterFor(runtime), [
    [SIGN_IN_PER_IP, ipKey],
    [SIGN_IN_PER_EMAIL, email],
  ]);
  if (!verdict.success) return { kind: 'rate_limited', retryAfterSeconds: verdict.retryAfterSeconds };

  const db = (await runtime.database()).db;
  const agent = await findAgentByEmail(db, email);
  if (!agent?.passwordHash || agent.disabledAt) {
    await burnPasswordCheck(password);
    if (agent) await logAccess(db, agent, 'sign_in_failed', { detail: { reason: agent.disabledAt ? 'disabled' : 'no_password' } });
    return { kind: 'invalid' };
  }
  if (!(await verifyPassword(agent.passwordHash, password))) {
    await logAccess(db, agent, 'sign_in_failed', { detail: { reason: 'wrong_password' } });
    return { kind: 'invalid' };
  }
  await recordSignIn(db, agent.id);
  await logAccess(db, agent, 'sign_in', { detail: { provider: 'credentials' } });
  return { kind: 'ok', agent: toIdentity(agent) };
}
