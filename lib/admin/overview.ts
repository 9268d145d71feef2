import { sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { queryRows } from '@/lib/admin/rows';
import type { Period } from '@/lib/admin/period';
import { estimateCost, type ModelPrices } from '@/lib/model/prices';

/**
 * The overview's figures for a period, straight from the audit. Both turn queries read only
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

  // Two passes over the period's index entries: one hash aggregate of every count by UTC hour, error
  // code and model (a few thousand groups at most, folded into buckets, days, codes and hours below),
  // and one for the latency percentiles, which need sorted values per bucket.
  const [perHour, perBucket, perConversation, feedback] = await Promise.all([
    queryRows(
      db,
      sql`select date_trunc('hour', created_at at time zone 'UTC') at time zone 'UTC' as hour, model,
            case when status = 'model_error' then coalesce(error_code, 'unknown') end as code,
            count(*)::int as turns,
            count(*) filter (where memory_status = 'expired')::int as expired,
            count(*) filter (where memory_status = 'unavailable')::int as unavailable,
            count(*) filter (where status in ('pending', 'abandoned'))::int as unfinished,
            coalesce(sum(prompt_tokens), 0)::bigint as prompt, coalesce(sum(completion_tokens), 0)::bigint as completion
          from turns where ${inPeriod} group by 1, 2, 3`,
    ),
    queryRows(
      db,
      sql`select ${bucketOf('created_at')} as at,
            percentile_cont(0.5) within group (order by ttft_ms) as ttft_p50,
            percentile_cont(0.95) within group (order by ttft_ms) as ttft_p95,
            percentile_cont(0.5) within group (order by total_ms) as total_p50,
            percentile_cont(0.95) within group (order by total_ms) as total_p95
          from turns where ${inPeriod} and (ttft_ms is not null or total_ms is not null) group by 1`,
    ),
    queryRows(db, sql`select ${bucketOf('created_at')} as at, count(*)::int as n from sessions where ${inPeriod} group by 1`),
    queryRows(
      db,
      sql`select f.rating, count(*)::int as n from turn_feedback f join turns t on t.audit_id = f.audit_id
          where t.created_at >= ${start}::timestamptz and t.created_at < ${end}::timestamptz group by 1`,
    ),
  ]);

  const bucketMs = period.bucket === 'hour' ? 3_600_000 : 86_400_000;
  const bucketKey = (ms: number) => Math.floor(ms / bucketMs) * bucketMs;
  const latency = new Map(perBucket.map((row) => [keyOf(row.at), row]));
  const conversations = new Map(perConversation.map((row) => [keyOf(row.at), num(row.n)]));
  type Counts = Pick<BucketFigures, 'turns' | 'expired' | 'unavailable' | 'errors' | 'unfinished' | 'byCode'>;
  const counts = new Map<number, Counts>();
  const models = new Map<string, { day: string; model: string; turns: number; prompt: number; completion: number }>();
  const hours = Array.from({ length: 24 }, () => 0);
  const codes = new Set<string>();
  for (const row of perHour) {
    const hourMs = keyOf(row.hour);
    const key = bucketKey(hourMs);
    const entry = counts.get(key) ?? { turns: 0, expired: 0, unavailable: 0, errors: 0, unfinished: 0, byCode: {} };
    entry.turns += num(row.turns);
    entry.expired += num(row.expired);
    entry.unavailable += num(row.unavailable);
    entry.unfinished += num(row.unfinished);
    if (row.code !== null && row.code !== undefined) {
      const code = String(row.code);
      codes.add(code);
      entry.errors += num(row.turns);
      entry.byCode[code] = (entry.byCode[code] ?? 0) + num(row.turns);
    }
    counts.set(key, entry);
    const day = new Date(hourMs).toISOString().slice(0, 10);
    const model = String(row.model);
    const modelDay = models.get(`${day} ${model}`) ?? { day, model, turns: 0, prompt: 0, completion: 0 };
    modelDay.turns += num(row.turns);
    modelDay.prompt += num(row.prompt);
    modelDay.completion += num(row.completion);
    models.set(`${day} ${model}`, modelDay);
    const hour = new Date(hourMs).getUTCHours();
    hours[hour] = (hours[hour] ?? 0) + num(row.turns);
  }
  const buckets: BucketFigures[] = period.buckets.map((at) => {
    const row = latency.get(at.getTime());
    const count = counts.get(at.getTime());
    return {
      at,
      conversations: conversations.get(at.getTime()) ?? 0,
      turns: count?.turns ?? 0,
      expired: count?.expired ?? 0,
      unavailable: count?.unavailable ?? 0,
      errors: count?.errors ?? 0,
      unfinished: count?.unfinished ?? 0,
      ttftP50: ms(row?.ttft_p50),
      ttftP95: ms(row?.ttft_p95),
      totalP50: ms(row?.total_p50),
      totalP95: ms(row?.total_p95),
      byCode: count?.byCode ?? {},
    };
  });

  const tokens: ModelDay[] = [...models.values()]
    .sort((a, b) => (a.day === b.day ? a.model.localeCompare(b.model) : a.day.localeCompare(b.day)))
    .map((row) => ({
      day: row.day,
      model: row.model,
      turns: row.turns,
      promptTokens: row.prompt,
      completionTokens: row.completion,
      cost: estimateCost(prices, row.model, row.prompt, row.completion),
    }));
  const rating = (name: string) => num(feedback.find((row) => row.rating === name)?.n);
  const sum = (pick: (b: BucketFigures) => number) => buckets.reduce((total, b) => total + pick(b), 0);
  const priced = tokens.filter((t) => t.cost !== null);

  return {
    buckets,
    codes: [...codes].sort(),
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
