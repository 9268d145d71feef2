/**
 * The access log lives in lib/auth/access-log.ts (sign-in writes it, so auth must not import admin);
 * this path stays for the pages and routes that import it from here.
 */
export * from '@/lib/auth/access-log';
