// The process's one limiter lives in lib/rate-limit; kept so auth code reads from its own folder.
export { rateLimiterFor } from '@/lib/rate-limit';
