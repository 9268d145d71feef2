import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from '@/lib/db/schema';
import type { Config } from '@/lib/config';

/** Both drivers (postgres.js and PGlite) give this shape; everything above lib/db sees only it. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = path.join(process.cwd(), 'drizzle');

/**
 * Opens the configured database. PGlite (the embedded default) migrates itself, because only this
 * process may open its data folder; real Postgres is migrated by `npm run db:migrate`.
 */
export async function openDatabase(config: Config['database']): Promise<DatabaseHandle> {
  if (config.kind === 'postgres') {
    const { default: postgres } = await import('postgres');
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const client = postgres(config.url, {
      max: 5,
      connect_timeout: 5,
      idle_timeout: 20,
      // A transaction pooler hands each statement to any server connection: no prepared statements there.
      prepare: config.prepare ?? true,
      onnotice: () => {},
    });
    return { db: drizzle(client, { schema }), kind: 'postgres', close: () => client.end({ timeout: 5 }) };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  // PGlite does not create parent folders itself.
  mkdirSync(path.dirname(config.dir), { recursive: true });
  const client = new PGlite(config.dir);
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return { db, kind: 'pglite', close: () => client.close() };
}

/** Any fixed number: the advisory lock that lets one migrator run at a time. */
const MIGRATION_LOCK = 7_466_532_017;

/**
 * Applies drizzle/ to a real Postgres; used by `npm run db:migrate`, the server's start-up
 * (DATABASE_MIGRATE_ON_START) and the test harness. Several instances starting together take turns
 * on an advisory lock (one connection, so the lock and the migration share a session).
 */
export async function migratePostgres(url: string): Promise<void> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    await client`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await client.end({ timeout: 5 });
  }
}
