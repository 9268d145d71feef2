import { handlers } from '@/lib/runtime/auth';
import { foreign } from '@/lib/runtime/serve';

// Auth.js's own endpoints (sign-in callbacks, CSRF token, sign-out). Not through the API wrapper:
// Auth.js answers with its own redirects, cookies and error pages and checks its CSRF token itself,
// so the wrapper's JSON errors and auth kinds would break its protocol. Its methods still come from
// the manifest (lib/http/manifest.ts), like every route's.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { GET, POST } = foreign('/api/auth/[...nextauth]', handlers);
