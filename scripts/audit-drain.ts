import './load-env';
import { getConfig } from '@/lib/config';
import { createRuntime } from '@/lib/runtime';

/** `npm run audit:drain`: writes audit records queued while Postgres was unreachable. */
async function main(): Promise<void> {
  const config = getConfig();
  if (config.database.kind !== 'postgres') {
    // Only the app process may open the embedded database; it drains its queue on later requests.
    console.log('DATABASE_URL is not set: the app drains the embedded audit queue itself. Nothing to do here.');
    return;
  }
  const runtime = createRuntime(config);
  try {
    let total = 0;
    for (;;) {
      const report = await runtime.audit.drain();
      total += report.applied;
      if (report.applied === 0 || report.remaining === 0) {
        console.log(`Applied ${total} queued audit record(s); ${report.remaining} still queued.`);
        break;
      }
    }
  } finally {
    await runtime.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
