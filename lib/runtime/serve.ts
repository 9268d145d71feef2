import 'server-only';
import { after } from 'next/server';
import { errorResponse } from '@/lib/errors';
import type { Endpoint } from '@/lib/http/endpoint';
import type { ApiPath, MethodsOf, ParamsOf } from '@/lib/http/manifest';
import { getRuntime, type Runtime } from '@/lib/runtime';

/** A handler as Next calls it from a route file. */
export type RouteHandler<P> = (request: Request, context?: { params: Promise<P> }) => Promise<Response>;

/**
 * A route file's handlers, for exactly the methods its manifest entry declares (lib/http/manifest.ts):
 * `export const { POST } = serve('/api/chat', { POST: handleChat })`. The one composition point of
 * the API: each request gets the process's runtime here (no route or handler looks it up itself) and
 * Next's `after` to finish work past the response.
 */
export function serve<P extends ApiPath>(
  // Only typed: it picks the manifest entry whose methods the handlers must match.
  _path: P,
  // Each endpoint takes the slice of the runtime it declares; the whole runtime satisfies every slice.
  endpoints: { [M in MethodsOf<P>]: Endpoint<Runtime> },
): { [M in MethodsOf<P>]: RouteHandler<ParamsOf<P>> } {
  const handlers: Partial<Record<MethodsOf<P>, RouteHandler<ParamsOf<P>>>> = {};
  for (const method of Object.keys(endpoints) as Array<MethodsOf<P>>) {
    const run = endpoints[method];
    handlers[method] = async (request, context) => {
      try {
        const params = (await context?.params) as Record<string, string | string[]> | undefined;
        return await run(request, getRuntime(), { params, defer: (work) => after(work) });
      } catch (error) {
        // A configuration that does not parse fails here, as the one JSON error shape.
        return errorResponse(error);
      }
    };
  }
  return handlers as { [M in MethodsOf<P>]: RouteHandler<ParamsOf<P>> };
}

/**
 * A route whose handlers belong to a library that answers for itself (Auth.js's own endpoints: its
 * redirects, cookies and CSRF check are its protocol), checked against the manifest like any other.
 */
export function foreign<P extends ApiPath, H extends { [M in MethodsOf<P>]: unknown }>(_path: P, handlers: H): H {
  return handlers;
}
