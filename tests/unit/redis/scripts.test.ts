import { describe, expect, it } from 'vitest';
import { defineScript, isNoScript, runScript, type ScriptClient } from '@/lib/redis/eval';
import * as scripts from '@/lib/redis/scripts';

/**
 * The SHA-1 of every script, pinned: a script changed by accident (an edit, a formatter) fails here,
 * and one changed on purpose is a reviewed one-line update. Redis runs them by these names (EVALSHA).
 */
const PINNED: Record<string, string> = {
  'adopt-legacy-keys': '159bbbca99dcf565c2ed9ff296993712f2958cb6',
  'append-message': 'bec10d9c87e5c3c97d75edb279598747541ad7d5',
  'begin-turn': 'b625c60059b6458c7efb0c0cb7dd63169826cd26',
  'change-state': 'db84af9d8b089247b4cfd2439153eedcabe3ae7b',
  'commit-turn': 'bf068237e053ddf9e0427a9630b05a900fbb948c',
  'leases-held': '2eee442505dfe3575bafaa7e86def668b4c5673b',
  'read-session': 'fe4319fa05db3dd71b3bb21fef52836b5e2de64a',
  'record-turn': '33fce221a19c08084ef7e6e416c8742ef669afed',
  'register-session': 'c10076392104213ba9ef2e367582b798ca55513e',
  'release-audit-lock': '15434f0b7c85b8f68d4f764be1e0ea0d93268682',
  'renew-lease': 'b829e51a6dccfab93c16a31d065e8c39efdf0ce3',
  'save-summary': '74c6e2f59ab1510ac7f1c414ad4c5681419638d4',
  'sliding-window': 'dd9aa88180ba27d1475ccd2cd28594a9be45517e',
  'take-audit-batch': 'f807c384e57dc6fef17b97824cb26d97d97553a6',
};

describe('Lua scripts', () => {
  it('every script has the SHA-1 pinned here', () => {
    const actual = Object.fromEntries(Object.values(scripts).map((script) => [script.name, script.sha]));
    expect(actual).toEqual(PINNED);
  });

  it('each named KEYS and ARGV entry becomes a local at the top, in the declared order', () => {
    expect(scripts.RENEW_LEASE.source.split('\n').slice(0, 6)).toEqual([
      'local leaseKey = KEYS[1]',
      'local stopKey = KEYS[2]',
      'local openKey = KEYS[3]',
      'local auditId = ARGV[1]',
      'local leaseMs = ARGV[2]',
      'local nowMs = ARGV[3]',
    ]);
  });

  it('a name declared twice is refused', () => {
    expect(() => defineScript({ name: 'twice', keys: ['a'], args: ['a'], body: 'return 1' })).toThrow(/declared twice/);
  });
});

describe('runScript', () => {
  const script = defineScript({ name: 'echo', keys: ['first', 'second'], args: ['count', 'label'], body: 'return 1' });

  function fakeRedis(cached: boolean, calls: string[][]): ScriptClient {
    return {
      evalsha: (async (sha: string, keys: string[], args: string[]) => {
        calls.push(['evalsha', sha, ...keys, ...args]);
        if (!cached)
          throw Object.assign(new Error('NOSCRIPT No matching script. Please use EVAL.'), { name: 'UpstashError' });
        return 'ran';
      }) as ScriptClient['evalsha'],
      eval: (async (source: string, keys: string[], args: string[]) => {
        calls.push(['eval', source === script.source ? 'source' : 'other', ...keys, ...args]);
        return 'ran';
      }) as ScriptClient['eval'],
    };
  }

  it('maps the named object to KEYS and ARGV in the declared order, whatever order it is written in', async () => {
    const calls: string[][] = [];
    await runScript(fakeRedis(true, calls), script, { label: 'x', second: 'k2', count: 3, first: 'k1' });
    expect(calls).toEqual([['evalsha', script.sha, 'k1', 'k2', '3', 'x']]);
  });

  it('sends the script once with EVAL when Redis answers NOSCRIPT', async () => {
    const calls: string[][] = [];
    expect(await runScript(fakeRedis(false, calls), script, { first: 'k1', second: 'k2', count: 1, label: 'y' })).toBe(
      'ran',
    );
    expect(calls.map((call) => call.slice(0, 2))).toEqual([
      ['evalsha', script.sha],
      ['eval', 'source'],
    ]);
  });

  it('any other error reaches the caller, without a second request', async () => {
    const calls: string[][] = [];
    const failing: ScriptClient = {
      evalsha: (async () => {
        calls.push(['evalsha']);
        throw new Error('ERR wrong number of arguments');
      }) as ScriptClient['evalsha'],
      eval: (async () => {
        calls.push(['eval']);
      }) as ScriptClient['eval'],
    };
    await expect(runScript(failing, script, { first: 'a', second: 'b', count: 0, label: '' })).rejects.toThrow(
      /wrong number/,
    );
    expect(calls).toEqual([['evalsha']]);
  });

  it('NOSCRIPT is told by its code or text, from any object (no class check)', () => {
    expect(isNoScript({ message: 'NOSCRIPT No matching script' })).toBe(true);
    expect(isNoScript({ code: 'NOSCRIPT' })).toBe(true);
    expect(isNoScript(new Error('ERR unknown command'))).toBe(false);
    expect(isNoScript('NOSCRIPT')).toBe(false);
  });
});
