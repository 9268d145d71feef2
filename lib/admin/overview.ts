import { sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { queryRows } from '@/lib/admin/rows';
import type { Period } from '@/lib/admin/period';
import { estimateCost, type ModelPrices } from '@/lib/admin/prices';

/**
 * The overview's figures for a period, straight from the audit. Every turn query reads only
 * turns_overview_idx (created_at first, then the few columns counted): an index-only range scan of
 * the period, never the rows with their texts and prompts. scripts/bench-admin.ts times it at a
 * million turns.
 */

export interface BucketFigures {
  at: Date;
  conversations: number;
  turns: number;
  expired: number;
  unavailable: number;
  errors: number;
  unfinished: number;
  /** Milliseconds; null when the bucket has no timed turn. */
  ttftP50: number | null;
  ttftP95: number | null;
  totalP50: number | null;
  totalP95: number | null;
  /** Failed turns by error code. */
  byCode: Record<string, number>;
}

export interface ModelDay {
  day: string;
  model: string;
  turns: number;
  promptTokens: number;
  completionTokens: number;
  /** Estimated dollars; null when MODEL_PRICES has no price for the model. */
  cost: number | null;
}

export interface Overview {
  buckets: BucketFigures[];
  codes: string[];
  tokens: ModelDay[];
  models: string[];
  feedback: { up: number; down: number };
  /** Turns by hour of day (UTC hour 0–23; the page shows them in the agent's zone). */
  hours: number[];
  totals: {
    conversations: number;
    turns: number;
    expired: number;
    unavailable: number;
    errors: number;
    unfinished: number;
    promptTokens: number;
    completionTokens: number;
    cost: number | null;
  };
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const ms = (value: unknown): number | null => (value === null || value === undefined ? null : Math.round(Number(value)));
const keyOf = (value: unknown): number => (value instanceof Date ? value : new Date(String(value))).getTime();

export async function loadOverview(db: Database, period: Period, prices: ModelPrices): Promise<Overview> {
  const start = period.start.toISOString();
  const end = period.end.toISOString();
  // Buckets are UTC hours or days; `at time zone 'UTC'` makes date_trunc independent of the server's zone.
  const bucketOf = (column: string) => sql.raw(`(date_trunc(${`'${period.bucket}'`}, ${column} at time zone 'UTC') at time zone 'UTC')`);
  const inPeriod = sql`created_at >= ${start}::timestamptz and created_at < ${end}::timestamptz`;

  const [perBucket, perCode, perModel, perHour, perConversation, feedback] = await Promise.all([
    queryRows(
      db,
      sql`select ${bucketOf('created_at')} as at, count(*)::int as turns,
            count(*) filter (where memory_status = 'expired')::int as expired,
            count(*) filter (where memory_status = 'unavailable')::int as unavailable,
            count(*) filter (where status = 'model_error')::int as errors,
            count(*) filter (where status in ('pending', 'abandoned'))::int as unfinished,
            percentile_cont(0.5) within group (order by ttft_ms) as ttft_p50,
            percentile_cont(0.95) within group (order by ttft_ms) as ttft_p95,
            percentile_cont(0.5) within group (order by total_ms) as total_p50,
            percentile_cont(0.95) within group (order by total_ms) as total_p95
          from turns where ${inPeriod} group by 1`,
    ),
    queryRows(
      db,
      sql`select ${bucketOf('created_at')} as at, coalesce(error_code, 'unknown') as code, count(*)::int as n
          from turns where ${inPeriod} and status = 'model_error' group by 1, 2`,
    ),
    queryRows(
      db,
      sql`select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, model, count(*)::int as turns,
            coalesce(sum(prompt_tokens), 0)::bigint as prompt, coalesce(sum(completion_tokens), 0)::bigint as completion
          from turns where ${inPeriod} group by 1, 2 order by 1, 2`,
    ),
    queryRows(
      db,
      sql`select extract(hour from created_at at time zone 'UTC')::int as hour, count(*)::int as n
          from turns where ${inPeriod} group by 1`,
    ),
    queryRows(db, sql`select ${bucketOf('created_at')} as at, count(*)::int as n from sessions where ${inPeriod} group by 1`),
    queryRows(
      db,
      sql`select f.rating, count(*)::int as n from turn_feedback f join turns t on t.audit_id = f.audit_id
          where t.created_at >= ${start}::timestamptz and t.created_at < ${end}::timestamptz group by 1`,
    ),
  ]);

  const byTime = new Map(perBucket.map((row) => [keyOf(row.at), row]));
  const conversations = new Map(perConversation.map((row) => [keyOf(row.at), num(row.n)]));
  const codesAt = new Map<number, Record<string, number>>();
  for (const row of perCode) {
    const at = keyOf(row.at);
    const entry = codesAt.get(at) ?? {};
    entry[String(row.code)] = num(row.n);
    codesAt.set(at, entry);
  }
  const buckets: BucketFigures[] = period.buckets.map((at) => {
    const row = byTime.get(at.getTime());
    return {
      at,
      conversations: conversations.get(at.getTime()) ?? 0,
      turns: num(row?.turns),
      expired: num(row?.expired),
      unavailable: num(row?.unavailable),
      errors: num(row?.errors),
      unfinished: num(row?.unfinished),
      ttftP50: ms(row?.ttft_p50),
      ttftP95: ms(row?.ttft_p95),
      totalP50: ms(row?.total_p50),
      totalP95: ms(row?.total_p95),
      byCode: codesAt.get(at.getTime()) ?? {},
    };
  });

  const tokens: ModelDay[] = perModel.map((row) => {
    const promptTokens = num(row.prompt);
    const completionTokens = num(row.completion);
    const model = String(row.model);
    return { day: String(row.day), model, turns: num(row.turns), promptTokens, completionTokens, cost: estimateCost(prices, model, promptTokens, completionTokens) };
  });
  const hours = Array.from({ length: 24 }, () => 0);
  for (const row of perHour) hours[num(row.hour)] = num(row.n);
  const rating = (name: string) => num(feedback.find((row) => row.rating === name)?.n);
  const sum = (pick: (b: BucketFigures) => number) => buckets.reduce((total, b) => total + pick(b), 0);
  const priced = tokens.filter((t) => t.cost !== null);

  return {
    buckets,
    codes: [...new Set(perCode.map((row) => String(row.code)))].sort(),
    tokens,
    models: [...new Set(tokens.map((t) => t.model))].sort(),
    feedback: { up: rating('up'), down: rating('down') },
    hours,
    totals: {
      conversations: sum((b) => b.conversations),
      turns: sum((b) => b.turns),
      expired: sum((b) => b.expired),
      unavailable: sum((b) => b.unavailable),
      errors: sum((b) => b.errors),
      unfinished: sum((b) => b.unfinished),
      promptTokens: tokens.reduce((total, t) => total + t.promptTokens, 0),
      completionTokens: tokens.reduce((total, t) => total + t.completionTokens, 0),
      cost: priced.length > 0 ? priced.reduce((total, t) => total + (t.cost ?? 0), 0) : null,
    },
  };
}
