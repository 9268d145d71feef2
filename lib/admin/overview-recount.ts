import { sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { queryRows } from '@/lib/admin/rows';
import type { Period } from '@/lib/admin/period';
import type { ModelPrices } from '@/lib/model/prices';
import {
  conversationsByBucket,
  foldOverview,
  latencyFromTurns,
  num,
  periodBounds,
  type HourRow,
  type Overview,
} from '@/lib/admin/overview';

/**
 * The overview counted again from the turns and ratings themselves, without the rollup: the yardstick
 * the rollup must equal (scripts/bench-admin.ts and the rollup's tests compare the two), and how the
 * overview was computed before the rollup. Far too slow for the page at a million turns.
 */
export async function recountOverview(db: Database, period: Period, prices: ModelPrices): Promise<Overview> {
  const { start, end } = periodBounds(period);
  const inPeriod = sql`created_at >= ${start}::timestamptz and created_at < ${end}::timestamptz`;
  const [hours, latency, conversations, ratings] = await Promise.all([
    queryRows<HourRow>(
      db,
      sql`select date_trunc('hour', created_at at time zone 'UTC') at time zone 'UTC' as hour, model,
            case when status = 'model_error' then coalesce(error_code, 'unknown') else '' end as error_code,
            count(*)::int as turns,
            count(*) filter (where status = 'model_error')::int as errors,
            count(*) filter (where memory_status = 'expired')::int as expired,
            count(*) filter (where memory_status = 'unavailable')::int as unavailable,
            count(*) filter (where status in ('pending', 'abandoned'))::int as unfinished,
            coalesce(sum(prompt_tokens), 0)::bigint as prompt_tokens,
            coalesce(sum(completion_tokens), 0)::bigint as completion_tokens
          from turns where ${inPeriod} group by 1, 2, 3`,
    ),
    latencyFromTurns(db, period),
    conversationsByBucket(db, period),
    queryRows(
      db,
      sql`select f.rating, count(*)::int as n from turn_feedback f join turns t on t.audit_id = f.audit_id
          where t.created_at >= ${start}::timestamptz and t.created_at < ${end}::timestamptz group by 1`,
    ),
  ]);
  const rating = (name: string) => num(ratings.find((row) => row.rating === name)?.n);
  return foldOverview(period, prices, { hours, latency, conversations, feedback: { up: rating('up'), down: rating('down') } });
}
