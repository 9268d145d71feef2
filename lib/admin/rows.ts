import type { SQL } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';

/**
 * Runs raw SQL that the query builder cannot express (recursive CTEs) and returns its rows:
 * postgres.js answers `db.execute` with the rows themselves, PGlite with `{ rows }`.
 */
export async function queryRows<T extends Record<string, unknown>>(db: Database, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as T[];
  if (result && typeof result === 'object' && 'rows' in result && Array.isArray(result.rows)) return result.rows as T[];
  throw new Error('unexpected result shape from db.execute');
}
