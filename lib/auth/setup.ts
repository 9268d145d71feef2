import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { countAgents } from '@/lib/auth/agents';
import type { Database } from '@/lib/db/client';
import { log } from '@/lib/observability/log';

/**
 * First-run path for a fresh install (the embedded default has no shell-safe way to reach its
 * database while the app runs): while no agent exists, the process holds a one-time setup token and
 * prints it to its own log; whoever can read that log can create the first admin at /admin/setup.
 * Once an agent exists, no token is valid. The token lives in this process only, so on a deployment
 * with several instances use `npm run agent:create` against the shared Postgres instead.
 */
export interface SetupGate {
  /** True while no agent exists; the first call in that state creates and logs the token. */
  isOpen(): Promise<boolean>;
  /** Constant-time comparison against this process's token; false when setup is closed. */
  tokenMatches(candidate: string): boolean;
  /** The token is spent once the first admin exists. */
  close(): void;
}

/** One gate per runtime (lib/runtime/index.ts creates it), so its token is that runtime's state alone. */
export function createSetupGate(database: () => Promise<Database>): SetupGate {
  let token: string | undefined;
  return {
    async isOpen() {
      const open = (await countAgents(await database())) === 0;
      if (!open) {
        token = undefined;
        return false;
      }
      if (!token) {
        token = randomBytes(18).toString('base64url');
        log.warn(
          'No admin account exists yet. To create the first one, open /admin/setup and enter the one-time setup token ' +
            '(or stop the app and run: npm run agent:create -- --email you@example.com --role admin)',
          { setupToken: token },
        );
      }
      return true;
    },
    tokenMatches(candidate) {
      if (!token) return false;
      const digest = (value: string) => createHash('sha256').update(value).digest();
      return timingSafeEqual(digest(token), digest(candidate));
    },
    close() {
      token = undefined;
    },
  };
}

/** What holds the gate: the runtime, for the pages and the setup route. */
interface HasSetup {
  setup: SetupGate;
}

export function setupIsOpen(runtime: HasSetup): Promise<boolean> {
  return runtime.setup.isOpen();
}

export function setupTokenMatches(runtime: HasSetup, candidate: string): boolean {
  return runtime.setup.tokenMatches(candidate);
}

export function closeSetup(runtime: HasSetup): void {
  runtime.setup.close();
}
