import { createHash } from 'node:crypto';
import type { Redis } from '@upstash/redis';

/** The two calls a script needs from a Redis REST client (an `@upstash/redis` Redis, or a test fake). */
export type ScriptClient = Pick<Redis, 'eval' | 'evalsha'>;

/**
 * One Lua script with its KEYS and ARGV declared by name, in order. The script's first lines are
 * generated from that declaration (`local metaKey = KEYS[1]` …), so the Lua locals and the call site
 * can never disagree about a position: callers pass one object by name and `runScript` maps it.
 */
export interface LuaScript<K extends string, A extends string> {
  readonly name: string;
  readonly keys: readonly K[];
  readonly args: readonly A[];
  /** The whole script as Redis runs it (generated locals + body). */
  readonly source: string;
  /** SHA-1 of `source`, the EVALSHA name (pinned in tests/unit/redis/scripts.test.ts). */
  readonly sha: string;
}

/** A script over a list of keys of one kind (its KEYS and ARGV are parallel lists). */
export interface LuaListScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

export type ScriptInput<K extends string, A extends string> = { readonly [P in K]: string } & {
  readonly [P in A]: string | number;
};

export function defineScript<const K extends string, const A extends string>(spec: {
  name: string;
  keys: readonly K[];
  args: readonly A[];
  body: string;
}): LuaScript<K, A> {
  const names = [...spec.keys, ...spec.args];
  if (new Set(names).size !== names.length)
    throw new Error(`script ${spec.name}: a KEYS or ARGV name is declared twice`);
  const header = [
    ...spec.keys.map((name, i) => `local ${name} = KEYS[${i + 1}]`),
    ...spec.args.map((name, i) => `local ${name} = ARGV[${i + 1}]`),
  ].join('\n');
  const source = `${header}\n${spec.body.trim()}\n`;
  return { name: spec.name, keys: spec.keys, args: spec.args, source, sha: sha1(source) };
}

export function defineListScript(spec: { name: string; body: string }): LuaListScript {
  const source = `${spec.body.trim()}\n`;
  return { name: spec.name, source, sha: sha1(source) };
}

/** Runs a script with its named KEYS and ARGV (one round trip; two on the first use after a Redis restart). */
export function runScript<K extends string, A extends string>(
  client: ScriptClient,
  script: LuaScript<K, A>,
  input: ScriptInput<K, A>,
): Promise<unknown> {
  const named = input as Record<string, string | number>;
  return evaluate(
    client,
    script,
    script.keys.map((name) => String(named[name])),
    script.args.map((name) => String(named[name])),
  );
}

export function runListScript(
  client: ScriptClient,
  script: LuaListScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  return evaluate(client, script, [...keys], args.map(String));
}

/**
 * EVALSHA, so the script text is not sent on every call; when Redis does not have it cached
 * (NOSCRIPT: first use, a restart, a SCRIPT FLUSH) it is sent once with EVAL, which caches it.
 * The error is recognised by Redis's own error code in its text, never by class: the client may be
 * another copy of the module, or a test fake.
 */
async function evaluate(client: ScriptClient, script: { source: string; sha: string }, keys: string[], args: string[]) {
  try {
    return await client.evalsha(script.sha, keys, args);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return client.eval(script.source, keys, args);
  }
}

export function isNoScript(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { message, code } = error as { message?: unknown; code?: unknown };
  return code === 'NOSCRIPT' || (typeof message === 'string' && /\bNOSCRIPT\b/.test(message));
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
