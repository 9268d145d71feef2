import './load-env';
import { getConfig } from '@/lib/config';
import { createRuntime } from '@/lib/runtime';

/**
 * `npm run audit:drain`: moves queued audit entries (the Redis audit stream, the outbox file, the
 * first release's outbox) to Postgres now, and says exactly what happened. Exits 1 when it could not
 * drain: another drainer (a running server) holds the stream, or Postgres or Redis is unreachable.
 */
async function main(): Promise<number> {
  const config = getConfig();
  if (config.database.kind !== 'postgres') {
    // Only the app process may open the embedded database; it drains its own queue.
    console.log('DATABASE_URL is not set: the app drains the embedded audit queue itself. Nothing to do here.');
    return 0;
  }
  const runtime = createRuntime(config, { drainLoop: false });
  try {
    const report = await runtime.drainer.drainUntilEmpty();
    console.log(
      `Applied ${report.applied} audit entr${report.applied === 1 ? 'y' : 'ies'}, dead-lettered ${report.deadLettered}, ` +
        `abandoned ${report.abandoned} unfinished turn(s); ${report.remaining} still queued.`,
    );
    if (report.blocked?.reason === 'locked') {
      console.error('Another drainer holds the audit stream (a running Tether server drains it continuously): nothing was drained here.');
      return 1;
    }
    if (report.blocked) {
      console.error(`Could not drain: ${report.blocked.reason === 'database' ? 'Postgres' : 'Redis'} failed (${report.blocked.detail}).`);
      return 1;
    }
    return report.remaining > 0 ? 1 : 0;
  } finally {
    await runtime.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
