import { withPerson } from './chat-state';
import { apiError, isRejectedSession, waitForUpdates } from './session-client';

export interface UpdatesLoopDeps {
  wait?: typeof waitForUpdates;
  /** The version moved (an agent wrote, took over, handed back…): reload the conversation. */
  onNews: (sessionId: string) => Promise<void>;
  /** Waits `ms`, or less if aborted; tests pass their own. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** First wait after a failed request; doubled on each failure in a row, up to MAX_BACKOFF_MS. */
export const FIRST_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 30_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** How long to wait after `failures` failed requests in a row (the server's Retry-After wins when longer). */
export function backoffMs(failures: number, retryAfterSec: number | null = null): number {
  const doubled = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.max(0, failures - 1));
  return Math.max(doubled, (retryAfterSec ?? 0) * 1000);
}

/**
 * The widget's wait for what a person does (POST /api/session/updates, a long-poll that works on every
 * instance and on serverless): one loop at most, for one conversation, while a person is asked for or
 * has it. It reloads the conversation when the version moves and ends once the assistant answers
 * again (after that one reload), when stopped (unmount, pagehide, another conversation), or when the
 * server no longer knows the session.
 */
export class UpdatesLoop {
  private running: { sessionId: string; controller: AbortController } | null = null;
  private readonly wait: typeof waitForUpdates;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(private readonly deps: UpdatesLoopDeps) {
    this.wait = deps.wait ?? waitForUpdates;
    this.sleep = deps.sleep ?? sleep;
  }

  get active(): boolean {
    return this.running !== null;
  }

  /** Waits for news of `sessionId` after `version`; a loop already running for it carries on. */
  start(sessionId: string, version: number): void {
    if (this.running?.sessionId === sessionId) return;
    this.stop();
    const running = { sessionId, controller: new AbortController() };
    this.running = running;
    void this.run(sessionId, version, running.controller.signal).finally(() => {
      if (this.running === running) this.running = null;
    });
  }

  stop(): void {
    this.running?.controller.abort();
    this.running = null;
  }

  private async run(sessionId: string, version: number, signal: AbortSignal): Promise<void> {
    let after = version;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const news = await this.wait(sessionId, after, signal);
        failures = 0;
        if (signal.aborted) return;
        if (news.version !== after) {
          after = news.version;
          await this.deps.onNews(sessionId);
        }
        if (!withPerson(news.conversation)) return;
      } catch (error) {
        if (signal.aborted || isRejectedSession(error)) return;
        failures++;
        await this.sleep(backoffMs(failures, apiError(error)?.retryAfterSec ?? null), signal);
      }
    }
  }
}
