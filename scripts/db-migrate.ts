import './load-env';
import { getConfig } from '@/lib/config';
import { migratePostgres } from '@/lib/db/client';

/** `npm run db:migrate`: applies drizzle/ to DATABASE_URL. The embedded PGlite migrates itself. */
async function main(): Promise<void> {
  const { database } = getConfig();
  if (database.kind !== 'postgres') {
    console.log('DATABASE_URL is not set: the embedded database (PGlite) migrates itself when the app starts.');
    return;
  }
  // Behind a transaction pooler, migrations take the direct connection (DATABASE_MIGRATION_URL).
  const url = getConfig().startup.migrationUrl ?? database.url;
  const target = new URL(url);
  console.log(`Applying migrations in drizzle/ to ${target.host}${target.pathname} …`);
  await migratePostgres(url);
  console.log('Database is up to date.');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
