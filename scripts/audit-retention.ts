import './load-env';
import { deleteAuditOlderThan, retentionCutoff } from '@/lib/audit/retention';
import { getConfig } from '@/lib/config';
import { openDatabase } from '@/lib/db/client';

/** `npm run audit:retention [-- --days N]`: deletes audit data older than AUDIT_RETENTION_DAYS (or N). */
async function main(): Promise<void> {
  const config = getConfig();
  const flag = process.argv.indexOf('--days');
  const days = flag >= 0 ? Number(process.argv[flag + 1]) : config.audit.retentionDays;
  if (days === undefined || !Number.isInteger(days) || days < 1) {
    console.log('Set AUDIT_RETENTION_DAYS (or pass --days N, a whole number ≥ 1): nothing deleted.');
    return;
  }
  if (config.database.kind !== 'postgres') {
    console.log('Note: run this only while the app is stopped: the embedded database allows one process at a time.');
  }
  const handle = await openDatabase(config.database);
  try {
    const report = await deleteAuditOlderThan(handle.db, retentionCutoff(days));
    console.log(`Deleted ${report.turns} turn(s) and ${report.sessions} session(s) with activity before ${report.cutoff}.`);
  } finally {
    await handle.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
