import 'server-only';
import type { z } from 'zod';
import { logAccess } from '@/lib/admin/access-log';
import { checkSameOrigin } from '@/lib/auth/csrf';
import { loggablePath } from '@/lib/auth/log-path';
import { agentFromHeaders } from '@/lib/auth/session';
import type { AgentIdentity } from '@/lib/auth/agents';
import { readJsonBody } from '@/lib/chat/request';
import type { Database } from '@/lib/db/client';
import type { AccessAction, AgentRole } from '@/lib/db/schema';
import { ApiError, errorResponse, errorText } from '@/lib/errors';
import { log } from '@/lib/observability/log';
import { SESSION_REF_PATTERN } from '@/lib/session-ref';
import { getRuntime, type Runtime } from '@/lib/runtime';

/**
 * The one gate of every /api/admin route: who is asking (401), whether a mutation comes from our own
 * pages (403), whether their role allows it (403). Route files only declare the role and the work.
 */

export interface AdminRouteOptions {
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

export interface AdminContext<P> {
  request: Request;
  agent: AgentIdentity;
  runtime: Runtime;
  db: Database;
  params: P;
}

type RouteContext<P> = { params: Promise<P> };

function authorize(agent: AgentIdentity | null, role: AgentRole): AgentIdentity {
  if (!agent) throw new ApiError(401, 'unauthorized', 'Sign in to the admin console first.');
  if (role === 'admin' && agent.role !== 'admin') throw new ApiError(403, 'forbidden', 'This needs the admin role.');
  return agent;
}

export function adminRoute<P = Record<string, never>>(
  options: AdminRouteOptions,
  handler: (context: AdminContext<P>) => Promise<Response>,
): (request: Request, context: RouteContext<P>) => Promise<Response> {
  return async (request, context) => {
    try {
      const runtime = getRuntime();
      const found = await agentFromHeaders(request.headers, runtime);
      if (!found) authorize(null, options.role);
      const params = await context.params;
      if (options.mutation && found && !checkSameOrigin(request)) {
        await logRefusal(runtime, found, options.action, request, params, 'cross_site');
        throw new ApiError(403, 'forbidden', 'Cross-site request refused.');
      }
      if (found && options.role === 'admin' && found.role !== 'admin') {
        await logRefusal(runtime, found, options.action, request, params, 'forbidden');
      }
      const agent = authorize(found, options.role);
      const db = (await runtime.database()).db;
      const response = await handler({ request, agent, runtime, db, params });
      if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'no-store');
      return response;
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/**
 * A refused attempt in the access log, under the action that was attempted. Best effort: the
 * refusal itself must still be answered when the log cannot be written (it is then in the JSON log).
 */
async function logRefusal(
  runtime: Runtime,
  agent: AgentIdentity,
  action: AccessAction | undefined,
  request: Request,
  params: unknown,
  refused: 'forbidden' | 'cross_site',
): Promise<void> {
  const path = loggablePath(new URL(request.url).pathname);
  const ref = params instanceof Object && 'ref' in params && typeof params.ref === 'string' && SESSION_REF_PATTERN.test(params.ref) ? params.ref : null;
  log.warn('admin request refused', { agentId: agent.id, action: action ?? null, method: request.method, path, refused });
  if (!action) return;
  try {
    const db = (await runtime.database()).db;
    await logAccess(db, agent, action, { sessionId: ref, detail: { refused, method: request.method, path } });
  } catch (error) {
    log.error('could not log a refused admin request', { error: errorText(error) });
  }
}

/** Admin request bodies are small JSON documents. */
const BODY_LIMIT_BYTES = 64 * 1024;

export async function readBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  return parseInput(schema, await readJsonBody(request, BODY_LIMIT_BYTES));
}

/** Route parameters and query strings are user input too. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    // As the chat API does: a field we do not know is its own error, named.
    const unknown = parsed.error.issues.find((issue) => issue.code === 'unrecognized_keys');
    if (unknown && 'keys' in unknown) {
      const where = unknown.path.length > 0 ? ` in ${unknown.path.join('.')}` : '';
      throw new ApiError(400, 'unknown_field', `Unknown field${unknown.keys.length > 1 ? 's' : ''}${where}: ${unknown.keys.map((k) => `"${k}"`).join(', ')}.`);
    }
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new ApiError(400, 'invalid_request', `${where}${issue?.message ?? 'invalid request'}`);
  }
  return parsed.data;
}
