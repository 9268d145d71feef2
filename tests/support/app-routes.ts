import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Every page and API route of the app, read from the files under app/ (as admin-routes.ts does for
 * /admin), so the header and corpus sweeps cannot miss a route added later.
 */

const ROOT = path.join(process.cwd(), 'app');
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const SAMPLE_ID = '00000000-0000-4000-8000-000000000000';

export interface AppRoute {
  /** The route as written in app/, e.g. /api/session/[id]/messages */
  pattern: string;
  /** A URL that reaches it, dynamic segments filled with a sample value. */
  path: string;
  methods: string[];
}

function files(name: string): string[] {
  return readdirSync(ROOT, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name === name)
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

function segmentsOf(file: string): string[] {
  return path
    .relative(ROOT, path.dirname(file))
    .split(path.sep)
    .filter((segment) => segment !== '' && !/^\(.*\)$/.test(segment));
}

function sample(segment: string): string {
  if (/^\[\[?\.\.\./.test(segment)) return 'sweep/check';
  if (/^\[.*\]$/.test(segment)) return SAMPLE_ID;
  return segment;
}

export function appPages(): AppRoute[] {
  return files('page.tsx').map((file) => {
    const segments = segmentsOf(file);
    return { pattern: `/${segments.join('/')}`, path: `/${segments.map(sample).join('/')}`, methods: ['GET'] };
  });
}

/** Methods a route file exports: `export const GET`, `export function POST`, `export const { GET, POST }`. */
export function exportedMethods(source: string): string[] {
  const found = new Set<string>();
  for (const method of HTTP_METHODS) {
    if (new RegExp(`export\\s+(const|async\\s+function|function)\\s+${method}\\b`).test(source)) found.add(method);
  }
  for (const match of source.matchAll(/export\s+const\s+\{([^}]*)\}/g)) {
    for (const name of (match[1] ?? '').split(',').map((part) => part.trim().split(/\s*:\s*/).pop() ?? '')) {
      if ((HTTP_METHODS as readonly string[]).includes(name)) found.add(name);
    }
  }
  return [...found].sort();
}

export function appApiRoutes(): AppRoute[] {
  return files('route.ts').map((file) => {
    const segments = segmentsOf(file);
    return {
      pattern: `/${segments.join('/')}`,
      path: `/${segments.map(sample).join('/')}`,
      methods: exportedMethods(readFileSync(file, 'utf8')),
    };
  });
}
