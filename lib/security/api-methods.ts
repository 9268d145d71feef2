/**
 * The HTTP methods each API route file exports. Next answers any other method with an empty 405;
 * the proxy answers it first, as JSON with an `Allow` header. A unit test compares this table with
 * the route files under app/api, so a new route or method cannot be forgotten here (a route missing
 * from the table still works; it only gets Next's empty 405). The JSON 404 catch-all
 * app/api/[...missing] is not listed: it is what unknown paths fall through to.
 */
export const API_METHODS: Readonly<Record<string, readonly string[]>> = {
  '/api/admin/agents': ['POST'],
  '/api/admin/agents/[id]': ['PATCH'],
  '/api/admin/export': ['GET'],
  '/api/admin/flags': ['POST'],
  '/api/admin/flags/[id]': ['PATCH'],
  '/api/admin/notes': ['POST'],
  '/api/admin/retention': ['POST'],
  // A static segment before the dynamic one that would also match it (the first match wins).
  '/api/admin/sessions/live': ['GET'],
  '/api/admin/sessions/[ref]': ['DELETE'],
  '/api/admin/sessions/[ref]/export': ['GET'],
  '/api/admin/sessions/[ref]/live': ['GET'],
  '/api/admin/setup': ['POST'],
  '/api/admin/turns/[auditId]/prompt': ['GET'],
  '/api/auth/[...nextauth]': ['GET', 'POST'],
  '/api/chat': ['POST'],
  '/api/chat/resume': ['POST'],
  '/api/chat/stop': ['POST'],
  '/api/cron/audit-drain': ['GET'],
  '/api/cron/retention': ['GET'],
  '/api/feedback': ['POST'],
  '/api/health': ['GET'],
  '/api/session': ['POST'],
  '/api/session/messages': ['POST'],
};

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
