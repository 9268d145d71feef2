import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { exportedMethods } from './app-routes';

/**
 * Every /admin page and /api/admin route, read from the files under app/, so that a test sweeping
 * them cannot miss a route added later. Route groups vanish from the URL, dynamic segments get a
 * sample value, and an API route's methods are the HTTP verbs its file exports.
 */

// Test runners (vitest, Playwright) run from the repository root.
const ROOT = path.join(process.cwd(), 'app');
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface ApiRoute {
  file: string;
  path: string;
  methods: HttpMethod[];
}

function filesNamed(dir: string, name: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name === name)
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** `[id]` → a UUID (valid for every id parameter), `[...rest]` → two segments; `(group)` dropped. */
function urlOf(file: string): string {
  const segments = path
    .relative(ROOT, path.dirname(file))
    .split(path.sep)
    .filter((segment) => !/^\(.*\)$/.test(segment))
    .map((segment) => {
      if (/^\[\[?\.\.\./.test(segment)) return 'sweep/check';
      if (/^\[.*\]$/.test(segment)) return '00000000-0000-4000-8000-000000000000';
      return segment;
    });
  return `/${segments.join('/')}`;
}

export function adminPages(): string[] {
  return filesNamed(path.join(ROOT, 'admin'), 'page.tsx').map(urlOf);
}

export function adminApiRoutes(): ApiRoute[] {
  return filesNamed(path.join(ROOT, 'api', 'admin'), 'route.ts').map((file) => {
    const source = readFileSync(file, 'utf8');
    const methods = exportedMethods(source) as HttpMethod[];
    return { file: path.relative(ROOT, file), path: urlOf(file), methods };
  });
}
