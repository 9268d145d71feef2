import { handlers } from '@/lib/auth/nextauth';

// Auth.js's own endpoints (sign-in callbacks, CSRF token, sign-out); it checks its CSRF token itself.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const { GET, POST } = handlers;
