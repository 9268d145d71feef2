import 'server-only';
import type { z } from 'zod';
import { isSameOriginRequest } from '@/lib/auth/csrf';
import { agentFromHeaders } from '@/lib/auth/session';
import type { AgentIdentity } from '@/lib/auth/agents';
import { readJsonBody } from '@/lib/chat/request';
import type { Database } from '@/lib/db/client';
import type { AgentRole } from '@/lib/db/schema';
import { ApiError, errorResponse } from '@/lib/errors';
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
      if (options.mutation && !isSameOriginRequest(request)) {
        throw new ApiError(403, 'forbidden', 'Cross-site request refused.');
      }
      const agent = authorize(found, options.role);
      const db = (await runtime.database()).db;
      const response = await handler({ request, agent, runtime, db, params: await context.params });
      if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'no-store');
      return response;
    } catch (error) {
      return errorResponse(error);
    }
  };
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
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new ApiError(400, 'invalid_request', `${where}${issue?.message ?? 'invalid request'}`);
  }
  return parsed.data;
}
