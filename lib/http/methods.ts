import { API_ROUTES, FALLBACK_ROUTE } from '@/lib/http/manifest';

/**
 * The HTTP methods each API route serves, as the route manifest (lib/http/manifest.ts) declares
 * them: Next answers any other method with an empty 405; the proxy answers it first, as JSON with an
 * `Allow` header. The JSON 404 catch-all app/api/[...missing] is left out: it is what unknown paths
 * fall through to.
 */
export const API_METHODS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(API_ROUTES).filter(([route]) => route !== FALLBACK_ROUTE),
);

const compiled = Object.entries(API_METHODS).map(([route, methods]) => {
  const pattern = route
    .split('/')
    .map((segment) => {
      if (/^\[\.\.\..+\]$/.test(segment)) return '.+';
      if (/^\[.+\]$/.test(segment)) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${pattern}/?$`), methods };
});

/**
 * The methods a request to this API path may use (HEAD and OPTIONS follow GET and Next's own
 * OPTIONS answer), or null when no route file matches (Next's 404 answers that).
 */
export function allowedMethods(pathname: string): string[] | null {
  const match = compiled.find(({ regex }) => regex.test(pathname));
  if (!match) return null;
  const methods = [...match.methods];
  if (methods.includes('GET')) methods.push('HEAD');
  methods.push('OPTIONS');
  return methods;
}
