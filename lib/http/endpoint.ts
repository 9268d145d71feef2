import 'server-only';
import type { z } from 'zod';
import type { Config } from '@/lib/config';
import type { Database } from '@/lib/db/client';
import type { AgentIdentity } from '@/lib/auth/identity';
import { errorResponse } from '@/lib/errors';
import { type Auth, authorizeAgent, authorizeCron, authorizeSetup, type EdgeServices, type SignedIn } from '@/lib/http/auth';
import { readJsonBody } from '@/lib/http/body';
import { assertIssuedSessionId } from '@/lib/http/session';
import { parseInput, type ZodWording } from '@/lib/http/zod';

/**
 * The one shape of an API endpoint: it declares who may call it, what it reads (body, query, path
 * parameters, each a strict Zod schema mapped to errors by lib/http/zod.ts), how large a body may be
 * and which rate limit counts it; the work then receives typed input. Every thrown error becomes
 * the one JSON error shape (errorResponse). Steps, in this order:
 *
 *   auth → limit (when `limit.countsInvalid`) → param → query → body → customer session gate →
 *   `validate` → limit → work
 *
 * "Only valid requests count" is the default for limits: a flood of garbage is refused without
 * spending anyone's budget. An endpoint is `(request, runtime, scope)`, where `runtime` is only what
 * it declares it uses (`S`, a slice of the runtime's services): tests call it with their own; route
 * files get the process's runtime from the one composition point (lib/runtime/serve.ts). A module
 * declares its slice once: `const endpoint = endpointFor<ChatServices>()`.
 */

export type { EdgeServices } from '@/lib/http/auth';

/** Keeps the function alive after the response for work that must finish (Next's `after`). */
export type Defer = (work: Promise<unknown>) => void;

export interface Scope {
  /** The route's path parameters, as Next passes them. */
  params?: Readonly<Record<string, string | string[]>>;
  defer?: Defer;
}

export type Endpoint<S extends EdgeServices = EdgeServices> = (request: Request, runtime: S, scope?: Scope) => Promise<Response>;

export interface BodySpec<B> {
  schema: z.ZodType<B>;
  /** Refused with 413 past this size (declared or streamed). */
  maxBytes: number | ((config: Config) => number);
  wording?: ZodWording;
}

export interface QuerySpec<Q> {
  schema: z.ZodType<Q>;
  /** What the schema reads from the query string; by default each name's last value. */
  read?: (search: URLSearchParams) => unknown;
}

export interface LimitSpec<S> {
  /** Counts the request; throws the 429 (`rate_limited`, Retry-After) when over. */
  check: (request: Request, runtime: S) => Promise<void>;
  /** Counted before the input is read, so malformed requests count too (what slows down guessing). */
  countsInvalid?: boolean;
}

export interface EndpointSpec<S extends EdgeServices, A extends Auth<S>, P, Q, B, V> {
  auth: A;
  /** The value of the route's one dynamic segment (`[id]`, `[ref]`…). */
  param?: z.ZodType<P>;
  query?: QuerySpec<Q>;
  body?: BodySpec<B>;
  /** Checks on the parsed body that need the config (before the limit: a refused request never counts). */
  validate?: (body: B, runtime: S) => V;
  limit?: LimitSpec<S>;
}

export interface Context<S extends EdgeServices, A extends Auth<S>, P, Q, B, V> {
  request: Request;
  runtime: S;
  param: P;
  query: Q;
  body: B;
  /** What `validate` returned (the body itself without one). */
  input: V;
  defer: Defer;
  /** The signed-in agent and the database, for `agent` endpoints. */
  agent: A extends { kind: 'agent' } ? AgentIdentity : null;
  db: A extends { kind: 'agent' } ? Database : null;
}

/** When no platform keeps the function alive (tests, scripts), the work simply runs on. */
const runOn: Defer = (work) => {
  void work.catch(() => undefined);
};

/** The endpoint builder for modules whose endpoints use `S` of the runtime. */
export function endpointFor<S extends EdgeServices>() {
  return <A extends Auth<S>, P = undefined, Q = undefined, B = undefined, V = B>(
    spec: EndpointSpec<S, A, P, Q, B, V>,
    work: (context: Context<S, A, P, Q, B, V>) => Promise<Response>,
  ): Endpoint<S> => build(spec, work);
}

/** The builder for endpoints that need nothing beyond the edge's own gates (most admin routes: `db`, `agent`). */
export const endpoint = endpointFor<EdgeServices>();

function build<S extends EdgeServices, A extends Auth<S>, P, Q, B, V>(
  spec: EndpointSpec<S, A, P, Q, B, V>,
  work: (context: Context<S, A, P, Q, B, V>) => Promise<Response>,
): Endpoint<S> {
  return async (request, runtime, scope = {}) => {
    try {
      const rawParams = scope.params ?? {};
      const signedIn = await authorize(spec.auth, request, runtime, rawParams);
      if (spec.limit?.countsInvalid) await spec.limit.check(request, runtime);
      const param = spec.param ? parseInput(spec.param, Object.values(rawParams)[0]) : (undefined as P);
      const query = spec.query ? parseInput(spec.query.schema, readQuery(request, spec.query)) : (undefined as Q);
      const body = spec.body
        ? await readBody(request, spec.body, bodyLimit(spec.body, runtime.config))
        : (undefined as B);
      if (spec.auth.kind === 'customer')
        assertIssuedSessionId((body as { sessionId?: unknown } | undefined)?.sessionId, runtime.config);
      const input = spec.validate ? spec.validate(body, runtime) : (body as unknown as V);
      if (spec.limit && !spec.limit.countsInvalid) await spec.limit.check(request, runtime);
      const response = await work({
        request,
        runtime,
        param,
        query,
        body,
        input,
        defer: scope.defer ?? runOn,
        agent: (signedIn?.agent ?? null) as Context<S, A, P, Q, B, V>['agent'],
        db: (signedIn?.db ?? null) as Context<S, A, P, Q, B, V>['db'],
      });
      // Admin answers show conversations and agents: never kept by a browser or a proxy.
      if (signedIn && !response.headers.has('cache-control')) response.headers.set('cache-control', 'no-store');
      return response;
    } catch (error) {
      return errorResponse(error);
    }
  };
}

async function authorize<S extends EdgeServices>(
  auth: Auth<S>,
  request: Request,
  runtime: S,
  params: Readonly<Record<string, unknown>>,
): Promise<SignedIn | null> {
  switch (auth.kind) {
    case 'agent':
      return authorizeAgent(request, runtime, auth, params);
    case 'cron':
      authorizeCron(request, runtime.config, auth.unset);
      return null;
    case 'setup':
      await authorizeSetup(request, runtime, auth.limit);
      return null;
    case 'public':
    case 'customer':
      // A customer's session id is in the body: checked once the body is read.
      return null;
  }
}

function readQuery<Q>(request: Request, spec: QuerySpec<Q>): unknown {
  const search = new URL(request.url).searchParams;
  return spec.read ? spec.read(search) : Object.fromEntries(search);
}

function bodyLimit(spec: BodySpec<unknown>, config: Config): number {
  return typeof spec.maxBytes === 'function' ? spec.maxBytes(config) : spec.maxBytes;
}

/** A declared body: JSON within `limitBytes`, read by its schema (exported for the parsers' unit tests). */
export async function readBody<B>(request: Request, spec: BodySpec<B>, limitBytes: number): Promise<B> {
  return parseInput(spec.schema, await readJsonBody(request, limitBytes), spec.wording);
}

/** Admin request bodies are small JSON documents. */
export const ADMIN_BODY_MAX_BYTES = 64 * 1024;
