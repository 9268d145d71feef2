import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The layout's promises, checked from the source text so a regression fails here rather than in a
// reviewer's head: no import cycles between lib's folders, no lib → components import, logs only
// through the logger, and one home each for Lua evaluation and Redis key names.

const root = path.resolve(__dirname, '../../..');
const lib = path.join(root, 'lib');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) ? [full] : [];
  });
}

const files = sourceFiles(lib);
const text = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
const rel = (file: string) => path.relative(root, file).split(path.sep).join('/');

/** Module specifiers of static imports and re-exports (type-only ones included: they still couple folders). */
function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) if (match[1] !== undefined) found.push(match[1]);
  }
  return found;
}

/** The lib folder a file belongs to: `lib/chat/turn.ts` → `chat`; a file directly in lib is its own unit. */
function unitOf(libPath: string): string {
  const [first = '', ...rest] = libPath.split('/');
  return rest.length > 0 ? first : first.replace(/\.tsx?$/, '');
}

function resolveToLib(from: string, specifier: string): string | null {
  if (specifier.startsWith('@/lib/')) return specifier.slice('@/lib/'.length);
  if (specifier.startsWith('.')) {
    const target = path.relative(lib, path.resolve(path.dirname(from), specifier));
    return target.startsWith('..') ? null : target.split(path.sep).join('/');
  }
  return null;
}

function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const [file, source] of text) {
    const from = unitOf(path.relative(lib, file).split(path.sep).join('/'));
    for (const specifier of importsOf(source)) {
      const target = resolveToLib(file, specifier);
      if (target === null) continue;
      const to = unitOf(target);
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, rel(file));
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Strongly connected components with more than one member (Tarjan). */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indices.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, indices.get(next) ?? 0));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

function describeCycles(graph: Map<string, Map<string, string>>): string[] {
  return cycles(graph).map((component) =>
    component
      .flatMap((from) =>
        [...(graph.get(from) ?? new Map<string, string>())]
          .filter(([to]) => component.includes(to))
          .map(([to, file]) => `${from} → ${to} (${file})`),
      )
      .join('; '),
  );
}

describe('the layout of lib/', () => {
  it('has no import cycle between its folders (or top-level modules)', () => {
    // The composition root (lib/runtime/) imports every folder it wires; nothing imports it back.
    expect(describeCycles(folderGraph())).toEqual([]);
  });

  it('leaves the runtime to the composition root: lib takes narrow dependencies, never the whole runtime', () => {
    const importers = files
      .filter((file) => !rel(file).startsWith('lib/runtime/'))
      .filter((file) => importsOf(text.get(file) ?? '').some((s) => unitOf(resolveToLib(file, s) ?? '') === 'runtime'))
      .map(rel);
    expect(importers).toEqual([]);
  });

  it('keeps per-process state in objects the runtime builds, not on globalThis', () => {
    // lib/runtime/index.ts holds the one runtime (dev-mode reloads must not open a second PGlite);
    // lib/security/node-server.ts patches Node's own server before any runtime exists.
    const allowed = ['lib/runtime/index.ts', 'lib/security/node-server.ts'];
    const offenders = files
      .map(rel)
      .filter((file) => !allowed.includes(file))
      .filter((file) => /\bglobalThis\b/.test(text.get(path.join(root, file)) ?? ''));
    expect(offenders).toEqual([]);
  });

  it('never imports from components/', () => {
    const offenders = files.filter((file) => importsOf(text.get(file) ?? '').some((s) => s.startsWith('@/components')));
    expect(offenders.map(rel)).toEqual([]);
  });

  it('writes logs only through the JSON logger', () => {
    const offenders = files
      .filter((file) => !rel(file).startsWith('lib/observability/log.'))
      .filter((file) => /\bconsole\.(log|info|warn|error|debug|trace)\s*\(/.test(text.get(file) ?? ''))
      .map(rel);
    expect(offenders).toEqual([]);
  });

  it('evaluates Lua in one place', () => {
    const callers = files
      .filter((file) => /\.(evalsha|eval)\s*\(|\bscriptLoad\s*\(/.test(text.get(file) ?? ''))
      .map(rel);
    expect(callers).toHaveLength(1);
  });
});
