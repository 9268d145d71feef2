import 'server-only';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { countAgents } from '@/lib/auth/agents';
import type { Runtime } from '@/lib/runtime';
import { log } from '@/lib/observability/log';

/**
 * First-run path for a fresh install (the embedded default has no shell-safe way to reach its
 * database while the app runs): while no agent exists, the process holds a one-time setup token and
 * prints it to its own log; whoever can read that log can create the first admin at /admin/setup.
 * Once an agent exists, no token is valid. The token lives in this process only, so on a deployment
 * with several instances use `npm run agent:create` against the shared Postgres instead.
 */

const holder = globalThis as typeof globalThis & { __tetherSetupTokens?: WeakMap<Runtime, string> };

function tokens(): WeakMap<Runtime, string> {
  holder.__tetherSetupTokens ??= new WeakMap();
  return holder.__tetherSetupTokens;
}

/** True while no agent exists; the first call in that state creates and logs the token. */
export async function setupIsOpen(runtime: Runtime): Promise<boolean> {
  const open = (await countAgents((await runtime.database()).db)) === 0;
  if (!open) {
    tokens().delete(runtime);
    return false;
  }
  if (!tokens().has(runtime)) {
    const token = randomBytes(18).toString('base64url');
    tokens().set(runtime, token);
    log.warn(
      'No admin account exists yet. To create the first one, open /admin/setup and enter the one-time setup token ' +
        '(or stop the app and run: npm run agent:create -- --email you@example.com --role admin)',
      { setupToken: token },
    );
  }
  return true;
}

/** Constant-time comparison against this process's token; false when setup is closed. */
export function setupTokenMatches(runtime: Runtime, candidate: string): boolean {
  const token = tokens().get(runtime);
  if (!token) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(token), digest(candidate));
}

/** The token is spent once the first admin exists. */
export function closeSetup(runtime: Runtime): void {
  tokens().delete(runtime);
}

