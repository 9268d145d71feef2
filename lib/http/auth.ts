import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import { logAccess } from '@/lib/auth/access-log';
import type { AgentIdentity } from '@/lib/auth/identity';
import { checkSameOrigin } from '@/lib/auth/csrf';
import { loggablePath } from '@/lib/auth/log-path';
import { agentFromHeaders, type AuthDeps } from '@/lib/auth/session';
import { type SetupGate, setupTokenMatches } from '@/lib/auth/setup';
import type { Config } from '@/lib/config';
import type { Database } from '@/lib/db/client';
import type { AccessAction, AgentRole } from '@/lib/db/schema';
import { ApiError, errorText } from '@/lib/errors';
import { log } from '@/lib/observability/log';
import { SESSION_REF_PATTERN } from '@/lib/session-ref';

/**
 * Who may call a route, as the route declares it (lib/http/endpoint.ts):
 * - `public`: anyone (limits still apply);
 * - `customer`: the body's `sessionId` must be one this server issued (lib/http/session.ts);
 * - `agent`: a signed-in agent of at least `role`; a `mutation` must come from our own pages;
 * - `cron`: `Authorization: Bearer $CRON_SECRET`; without CRON_SECRET the route does not exist (404);
 * - `setup`: the one-time setup token from the server log (x-setup-token), before any agent exists.
 *
 * `S` is what the endpoint receives of the runtime (lib/http/endpoint.ts), which a setup limit counts with.
 */
export type Auth<S extends EdgeServices = EdgeServices> =
  | { kind: 'public' }
  | { kind: 'customer' }
  | AgentAuth
  | {
      kind: 'cron';
      /** The 404 message when CRON_SECRET is not set. */
      unset: string;
    }
  | {
      kind: 'setup';
      /** Counts a token attempt per address (throws the 429) before the token is compared. */
      limit: (request: Request, services: S) => Promise<void>;
    };

/** What the edge's own gates use: who is signed in (config, the agents' database) and the setup token. */
export interface EdgeServices extends AuthDeps {
  setup: SetupGate;
}

export interface AgentAuth {
  kind: 'agent';
  /** `agent` admits agents and admins; `admin` admits admins only. */
  role: AgentRole;
  /** State-changing: checked for same-origin (CSRF) before anything else runs. */
  mutation: boolean;
  /**
   * What a signed-in agent was attempting, for the access log when it is refused (403: the role,
   * or a cross-site request). The entry carries `detail.refused`, so nothing reads as done.
   */
  action?: AccessAction;
}

export interface SignedIn {
  agent: AgentIdentity;
  db: Database;
}

/** The gate of every /api/admin route: who is asking (401), a mutation from our own pages (403), the role (403). */
export async function authorizeAgent(
  request: Request,
  deps: AuthDeps,
  auth: AgentAuth,
  params: Readonly<Record<string, unknown>>,
): Promise<SignedIn> {
  const found = await agentFromHeaders(request.headers, deps);
  if (!found) throw new ApiError(401, 'unauthorized', 'Sign in to the admin console first.');
  if (auth.mutation && !checkSameOrigin(request)) {
    await logRefusal(deps, found, auth.action, request, params, 'cross_site');
    throw new ApiError(403, 'forbidden', 'Cross-site request refused.');
  }
  if (auth.role === 'admin' && found.role !== 'admin') {
    await logRefusal(deps, found, auth.action, request, params, 'forbidden');
    throw new ApiError(403, 'forbidden', 'This needs the admin role.');
  }
  return { agent: found, db: (await deps.database()).db };
}

/**
 * A refused attempt in the access log, under the action that was attempted. Best effort: the
 * refusal itself must still be answered when the log cannot be written (it is then in the JSON log).
 */
async function logRefusal(
  deps: AuthDeps,
  agent: AgentIdentity,
  action: AccessAction | undefined,
  request: Request,
  params: Readonly<Record<string, unknown>>,
  refused: 'forbidden' | 'cross_site',
): Promise<void> {
  const path = loggablePath(new URL(request.url).pathname);
  const ref = typeof params.ref === 'string' && SESSION_REF_PATTERN.test(params.ref) ? params.ref : null;
  log.warn('admin request refused', {
    agentId: agent.id,
    action: action ?? null,
    method: request.method,
    path,
    refused,
  });
  if (!action) return;
  try {
    const db = (await deps.database()).db;
    await logAccess(db, agent, action, { sessionId: ref, detail: { refused, method: request.method, path } });
  } catch (error) {
    log.error('could not log a refused admin request', { error: errorText(error) });
  }
}

function authorizedCron(request: Request, secret: string): boolean {
  const given = Buffer.from(request.headers.get('authorization') ?? '');
  const expected = Buffer.from(`Bearer ${secret}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function authorizeCron(request: Request, config: Config, unset: string): void {
  const { cronSecret } = config.audit;
  if (!cronSecret) throw new ApiError(404, 'not_found', unset);
  if (!authorizedCron(request, cronSecret)) throw new ApiError(401, 'unauthorized', 'A valid cron secret is required.');
}

/**
 * The setup token, counted per address before it is compared (guessing it costs the guesser); once
 * any agent exists no token is valid, so the route answers 401 forever after.
 */
export async function authorizeSetup<S extends EdgeServices>(
  request: Request,
  services: S,
  limit: (request: Request, services: S) => Promise<void>,
): Promise<void> {
  const token = request.headers.get('x-setup-token')?.trim();
  if (!token) throw new ApiError(401, 'unauthorized', 'The setup token is missing.');
  await limit(request, services);
  if (!setupTokenMatches(services, token)) throw new ApiError(401, 'unauthorized', 'The setup token is not valid.');
  if (!checkSameOrigin(request)) throw new ApiError(403, 'forbidden', 'Cross-site request refused.');
}
