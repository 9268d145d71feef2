/**
 * Every API route and the methods it serves: the one list. A route file builds its handlers from its
 * entry (`serve('/api/chat', { POST: … })`, lib/runtime/serve.ts), so TypeScript refuses a method the
 * entry does not declare and requires each one it does; the proxy answers 405 and `Allow` from the
 * same entries (lib/http/methods.ts). A unit test checks that each route file names its own
 * path and exports exactly these methods.
 *
 * Order matters for matching: a static segment comes before a dynamic one that would also match it.
 * No imports on purpose: the proxy loads this file before every request.
 */
export const API_ROUTES = {
  '/api/admin/agents': ['POST'],
  '/api/admin/agents/[id]': ['PATCH'],
  '/api/admin/datasets': ['POST'],
  '/api/admin/datasets/[id]/export': ['GET'],
  '/api/admin/export': ['GET'],
  '/api/admin/flags': ['POST'],
  '/api/admin/flags/[id]': ['PATCH'],
  '/api/admin/inbox': ['GET'],
  '/api/admin/inbox/live': ['GET'],
  '/api/admin/notes': ['POST'],
  '/api/admin/replays': ['POST'],
  '/api/admin/replays/[id]': ['GET'],
  '/api/admin/replays/[id]/cancel': ['POST'],
  '/api/admin/retention': ['POST'],
  '/api/admin/review/corrections/[auditId]': ['PUT', 'DELETE'],
  '/api/admin/review/items': ['GET', 'POST'],
  '/api/admin/review/items/[id]/done': ['POST'],
  '/api/admin/review/items/[id]/release': ['POST'],
  '/api/admin/review/items/[id]/take': ['POST'],
  '/api/admin/review/rubric': ['POST'],
  '/api/admin/review/rubric/[key]': ['PATCH', 'DELETE'],
  '/api/admin/review/scores': ['PUT'],
  '/api/admin/review/settings': ['GET', 'PUT'],
  '/api/admin/sessions/live': ['GET'],
  '/api/admin/sessions/[ref]': ['DELETE'],
  '/api/admin/sessions/[ref]/export': ['GET'],
  '/api/admin/sessions/[ref]/hand-back': ['POST'],
  '/api/admin/sessions/[ref]/live': ['GET'],
  '/api/admin/sessions/[ref]/messages': ['POST'],
  '/api/admin/sessions/[ref]/resolve': ['POST'],
  '/api/admin/sessions/[ref]/take-over': ['POST'],
  '/api/admin/setup': ['POST'],
  '/api/admin/turns/[auditId]/prompt': ['GET'],
  '/api/auth/[...nextauth]': ['GET', 'POST'],
  '/api/chat': ['POST'],
  '/api/chat/handoff': ['POST'],
  '/api/chat/resume': ['POST'],
  '/api/chat/stop': ['POST'],
  '/api/cron/audit-drain': ['GET'],
  '/api/cron/retention': ['GET'],
  '/api/feedback': ['POST'],
  '/api/health': ['GET'],
  '/api/session': ['POST'],
  '/api/session/messages': ['POST'],
  '/api/session/updates': ['POST'],
  // The JSON 404 for any /api path no route above serves; never matched for 405 (see FALLBACK_ROUTE).
  '/api/[...missing]': ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
} as const satisfies Record<string, readonly HttpMethod[]>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type ApiPath = keyof typeof API_ROUTES;

export type MethodsOf<P extends ApiPath> = (typeof API_ROUTES)[P][number];

/** What unknown paths fall through to: it answers every method, so it says nothing about `Allow`. */
export const FALLBACK_ROUTE: ApiPath = '/api/[...missing]';

/** `/api/x/[id]/[...rest]` → `{ id: string; rest: string[] }`: a route's params, from its path. */
export type ParamsOf<P extends string> = { [E in SegmentsOf<P> as E[0]]: E[1] };

type SegmentsOf<P extends string> = P extends `${infer Head}/${infer Tail}`
  ? Segment<Head> | SegmentsOf<Tail>
  : Segment<P>;

type Segment<S extends string> = S extends `[...${infer Name}]`
  ? [Name, string[]]
  : S extends `[${infer Name}]`
    ? [Name, string]
    : never;
