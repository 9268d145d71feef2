import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '@/lib/http/manifest';
import { appApiRoutes } from '../../support/app-routes';

/** What each route file under app/api says about itself. */
function routeFiles(): Array<{ pattern: string; methods: string[]; source: string }> {
  const sources = new Map(
    readdirSync(path.join(process.cwd(), 'app', 'api'), { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && entry.name === 'route.ts')
      .map((entry) => {
        const file = path.join(entry.parentPath, entry.name);
        return [
          `/${path.relative(path.join(process.cwd(), 'app'), path.dirname(file)).split(path.sep).join('/')}`,
          readFileSync(file, 'utf8'),
        ];
      }),
  );
  return appApiRoutes().map((route) => ({ ...route, source: sources.get(route.pattern) ?? '' }));
}

describe('the API route manifest', () => {
  it('has one entry per route file, with exactly the methods the file exports', () => {
    const fromFiles = Object.fromEntries(routeFiles().map((route) => [route.pattern, route.methods]));
    const declared = Object.fromEntries(
      Object.entries(API_ROUTES).map(([route, methods]) => [route, [...methods].sort()]),
    );
    expect(declared).toEqual(fromFiles);
  });

  it('is what every route file builds its handlers from, under its own path', () => {
    for (const route of routeFiles()) {
      const named = /\b(?:serve|foreign)\(\s*'([^']+)'/.exec(route.source)?.[1];
      expect(named, route.pattern).toBe(route.pattern);
    }
  });

  it('lists a static segment before a dynamic one that would also match it', () => {
    const routes = Object.keys(API_ROUTES);
    expect(routes.indexOf('/api/admin/sessions/live')).toBeLessThan(routes.indexOf('/api/admin/sessions/[ref]'));
  });
});

describe('the API edge', () => {
  const lib = path.join(process.cwd(), 'lib');
  const sources = [
    ...readdirSync(lib, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => path.join(entry.parentPath, entry.name)),
    ...readdirSync(path.join(process.cwd(), 'app', 'api'), { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && entry.name === 'route.ts')
      .map((entry) => path.join(entry.parentPath, entry.name)),
  ].map((file) => ({ file: path.relative(process.cwd(), file), source: readFileSync(file, 'utf8') }));

  it('turns Zod errors into API errors in one place only', () => {
    const mappers = sources.filter(({ source }) => source.includes('unrecognized_keys')).map(({ file }) => file);
    expect(mappers).toEqual(['lib/http/zod.ts']);
  });

  it('looks up the runtime for API routes in one place only', () => {
    const lookups = sources
      .filter(({ file }) => file.startsWith('app/api/') || file.startsWith('lib/'))
      .filter(({ source }) => /\bgetRuntime\(/.test(source))
      // lib/runtime/index.ts defines it; the bindings beside it are its callers: the API's routes and
      // Auth.js's (its own endpoints, and the admin pages' guard).
      .filter(({ file }) => file !== 'lib/runtime/index.ts')
      .map(({ file }) => file)
      .sort();
    expect(lookups).toEqual(['lib/runtime/auth.ts', 'lib/runtime/serve.ts']);
  });
});
