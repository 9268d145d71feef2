import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { migratePostgres } from '@/lib/db/client';
import { TEST_POSTGRES_URL } from './services';

export interface TestDatabase {
  url: string;
  name: string;
  /** A plain postgres.js client on the test database, for assertions. */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file, dropped afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tether_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  await migratePostgres(url.toString());
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
  return {
    url: url.toString(),
    name,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const admin2 = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
      try {
        await admin2.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin2.end({ timeout: 5 });
      }
    },
  };
}
