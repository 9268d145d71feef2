import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ConfigVariable, VARIABLES } from '@/lib/config';

/**
 * lib/config.ts declares every variable once; .env.example and the docs' tables are written for
 * people, so they are checked against the declarations rather than generated (a generated file
 * would lose the grouping and the longer explanations). .env.example is the complete reference:
 * it lists exactly the declared variables, each with its default. README and docs/ tables are a
 * curated subset: every variable they name must exist.
 */

const declared = Object.keys(VARIABLES) as ConfigVariable[];

/** Set by Next itself, never by an operator. */
const NOT_IN_EXAMPLE = new Set(['NODE_ENV']);
/** docker-compose.yml's own settings, documented in .env.example beside Tether's. */
const COMPOSE_ONLY = new Set(['POSTGRES_PASSWORD', 'SRH_TOKEN']);
/** Settings of the test runner and the platform, not of Tether, that docs tables mention. */
const NOT_TETHER = new Set([
  'TEST_POSTGRES_URL',
  'TEST_REDIS_URL',
  'PLAYWRIGHT_CHROMIUM_PATH',
  'E2E_PORT_BASE',
  'NEXT_DIST_DIR',
]);

function exampleLines(): Map<string, string> {
  const lines = readFileSync('.env.example', 'utf8').split('\n');
  const found = new Map<string, string>();
  for (const line of lines) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    const [, name = '', value = ''] = match;
    expect(found.has(name), `${name} appears twice in .env.example`).toBe(false);
    found.set(name, value);
  }
  return found;
}

/** Backticked variable names (NAME or NAME=value) in the table rows of a Markdown text. */
function namesInTables(markdown: string): Set<string> {
  const names = new Set<string>();
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) continue;
    for (const match of line.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=[^`]*)?`/g)) names.add(match[1] ?? '');
  }
  return names;
}

describe('the configuration is declared once', () => {
  it('.env.example lists every declared variable, and nothing undeclared', () => {
    const example = [...exampleLines().keys()].filter((name) => !COMPOSE_ONLY.has(name)).sort();
    expect(example).toEqual(declared.filter((name) => !NOT_IN_EXAMPLE.has(name)).sort());
  });

  it('every value .env.example shows is the default the schema applies', () => {
    for (const [name, value] of exampleLines()) {
      if (COMPOSE_ONLY.has(name) || value === '') continue;
      const { schema } = VARIABLES[name as ConfigVariable];
      expect(schema.parse(value), `${name}=${value} in .env.example`).toEqual(schema.parse(undefined));
    }
  });

  it("the README's and docs' tables name only declared variables", () => {
    const files = [
      'README.md',
      ...readdirSync('docs')
        .filter((file) => file.endsWith('.md'))
        .map((file) => path.join('docs', file)),
    ];
    const unknown: string[] = [];
    let seen = 0;
    for (const file of files) {
      for (const name of namesInTables(readFileSync(file, 'utf8'))) {
        seen += 1;
        if (!(name in VARIABLES) && !NOT_TETHER.has(name)) unknown.push(`${file}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
    // The README's configuration table alone names dozens: an empty scan would pass without checking.
    expect(seen).toBeGreaterThan(40);
  });

  it('every declaration says in one line what its variable does', () => {
    for (const name of declared) {
      const { doc } = VARIABLES[name];
      expect(doc.length, name).toBeGreaterThan(10);
      expect(doc, name).not.toContain('\n');
    }
  });
});
