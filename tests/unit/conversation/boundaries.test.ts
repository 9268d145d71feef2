import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** One home per concern, checked: a second eval helper, a stray Lua script or key name fails here. */

const ROOT = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sources(rel);
    return /\.tsx?$/.test(name) ? [rel] : [];
  });
}

const LIB = sources('lib');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const holding = (pattern: RegExp) => LIB.filter((file) => pattern.test(read(file))).sort();

describe('where the persistence code lives', () => {
  it('only lib/redis/eval.ts runs scripts (EVALSHA with its NOSCRIPT fallback)', () => {
    expect(holding(/\.evalsha\(|\.eval\(/)).toEqual(['lib/redis/eval.ts']);
  });

  it('every Lua script is in lib/redis/scripts', () => {
    expect(holding(/redis\.call\(/).filter((file) => !file.startsWith('lib/redis/scripts/'))).toEqual([]);
  });

  it('every Redis key name is built in lib/redis/keys.ts', () => {
    // A versioned key segment (`:v2:`, `:v3:s:`, `:v1:rl:`) written anywhere else would be a second key file.
    expect(holding(/[`'"][^`'"\n]*:v\$?\{?[A-Z_0-9]*\}?[0-9]*:/).filter((file) => file !== 'lib/redis/keys.ts')).toEqual([]);
  });

  it('the turn orchestrator imports no Redis, stream or database module', () => {
    const imports = [...read('lib/chat/turn.ts').matchAll(/from '([^']+)'/g)].map((match) => match[1]!);
    expect(imports.filter((source) => /redis|stream|\/db\/|drizzle|postgres|audit\/(?!types)|conversation\/(redis|local)/.test(source))).toEqual([]);
  });

  it('no memory ↔ audit cycle: the audit folder imports nothing of the conversation', () => {
    expect(holding(/from '@\/lib\/(conversation|memory)\//).filter((file) => file.startsWith('lib/audit/'))).toEqual([]);
  });
});
