import { sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { queryRows } from '@/lib/admin/rows';
import type { Period } from '@/lib/admin/period';
import { estimateCost, type ModelPrices } from '@/lib/model/prices';
import type { HandoffReason } from '@/lib/db/schema';

/**
 * The overview's figures for a period, from the rollup the database keeps exact (turn_hours and
 * turn_latency_days, lib/db/schema.ts; the triggers in drizzle/0008_overview_rollup.sql): a 30-day
 * period reads a few thousand hourly rows instead of every turn. lib/admin/overview-recount.ts
 * computes the same figures from the turns themselves; scripts/bench-admin.ts times both at a
 * million turns and checks they are equal.
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
  handoff: HandoffFigures;
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

export const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const ms = (value: unknown): number | null => (value === null || value === undefined ? null : Math.round(Number(value)));
const keyOf = (value: unknown): number => (value instanceof Date ? value : new Date(String(value))).getTime();

/** One UTC hour's turns of one model under one error code ('' for turns that are not model errors). */
export interface HourRow extends Record<string, unknown> {
  hour: unknown;
  model: unknown;
  error_code: unknown;
  turns: unknown;
  errors: unknown;
  expired: unknown;
  unavailable: unknown;
  unfinished: unknown;
  prompt_tokens: unknown;
  completion_tokens: unknown;
}

/** Latency percentiles of one bucket (`at`), as percentile_cont gives them. */
export interface LatencyRow extends Record<string, unknown> {
  at: unknown;
  ttft_p50: unknown;
  ttft_p95: unknown;
  total_p50: unknown;
  total_p95: unknown;
}

/** What the figures are made of, whichever way they were counted. */
export interface OverviewSources {
  hours: HourRow[];
  latency: LatencyRow[];
  /** Conversations started per bucket. */
  conversations: { at: unknown; n: unknown }[];
  feedback: { up: number; down: number };
  handoff: HandoffSources;
}

export function periodBounds(period: Period) {
  const start = period.start.toISOString();
  const end = period.end.toISOString();
  // Buckets are UTC hours or days; `at time zone 'UTC'` makes date_trunc independent of the server's zone.
  const bucketOf = (column: string) => sql.raw(`(date_trunc(${`'${period.bucket}'`}, ${column} at time zone 'UTC') at time zone 'UTC')`);
  return { start, end, bucketOf };
}

/** Latency percentiles by bucket straight from the turns (an index-only scan of turns_overview_idx). */
export function latencyFromTurns(db: Database, period: Period): Promise<LatencyRow[]> {
  const { start, end, bucketOf } = periodBounds(period);
  return queryRows<LatencyRow>(
    db,
    sql`select ${bucketOf('created_at')} as at,
          percentile_cont(0.5) within group (order by ttft_ms) as ttft_p50,
          percentile_cont(0.95) within group (order by ttft_ms) as ttft_p95,
          percentile_cont(0.5) within group (order by total_ms) as total_p50,
          percentile_cont(0.95) within group (order by total_ms) as total_p95
        from turns where created_at >= ${start}::timestamptz and created_at < ${end}::timestamptz
          and (ttft_ms is not null or total_ms is not null) group by 1`,
  );
}

/** Conversations started by bucket (sessions_created_at_idx; a tenth of the turns' rows, read as is). */
export function conversationsByBucket(db: Database, period: Period): Promise<{ at: unknown; n: unknown }[]> {
  const { start, end, bucketOf } = periodBounds(period);
  return queryRows(
    db,
    sql`select ${bucketOf('created_at')} as at, count(*)::int as n from sessions
        where created_at >= ${start}::timestamptz and created_at < ${end}::timestamptz group by 1`,
  );
}

/**
 * Day buckets' percentiles from turn_latency_days, recomputed from the turns for the days whose
 * turns changed since (today, mostly), in one statement and so one snapshot. The new values are
 * stored only if the day did not change meanwhile (`changes` as read, rows a writer holds skipped):
 * a stored percentile is always that of the day's turns at `computed`, and this never waits on a writer.
 */
function latencyByDay(db: Database, period: Period): Promise<LatencyRow[]> {
  return queryRows<LatencyRow>(
    db,
    sql`with cached as (
          select day, changes, computed, ttft_p50, ttft_p95, total_p50, total_p95 from turn_latency_days
          where day >= ${period.from}::date and day <= ${period.to}::date
        ),
        fresh as (
          select s.day, s.changes, p.* from cached s cross join lateral (
            select percentile_cont(0.5) within group (order by ttft_ms) as ttft_p50,
                   percentile_cont(0.95) within group (order by ttft_ms) as ttft_p95,
                   percentile_cont(0.5) within group (order by total_ms) as total_p50,
                   percentile_cont(0.95) within group (order by total_ms) as total_p95
            from turns
            where created_at >= (s.day::timestamp at time zone 'UTC') and created_at < ((s.day + 1)::timestamp at time zone 'UTC')
              and (ttft_ms is not null or total_ms is not null)
          ) p
          where s.computed is distinct from s.changes
        ),
        unchanged as (
          select d.day from turn_latency_days d join fresh f on f.day = d.day and d.changes = f.changes
          order by d.day for update of d skip locked
        ),
        saved as (
          update turn_latency_days d set computed = f.changes, ttft_p50 = f.ttft_p50, ttft_p95 = f.ttft_p95,
            total_p50 = f.total_p50, total_p95 = f.total_p95
          from fresh f where d.day = f.day and d.day in (select day from unchanged)
        )
        select (day::timestamp at time zone 'UTC') as at, ttft_p50, ttft_p95, total_p50, total_p95 from cached
          where computed is not distinct from changes
        union all
        select (day::timestamp at time zone 'UTC') as at, ttft_p50, ttft_p95, total_p50, total_p95 from fresh`,
  );
}

export async function loadOverview(db: Database, period: Period, prices: ModelPrices): Promise<Overview> {
  const { start, end } = periodBounds(period);
  const [hours, latency, conversations, handoff] = await Promise.all([
    queryRows<HourRow & { rated_up: unknown; rated_down: unknown }>(
      db,
      sql`select hour, model, error_code, turns, errors, expired, unavailable, unfinished, prompt_tokens,
            completion_tokens, rated_up, rated_down
          from turn_hours where hour >= ${start}::timestamptz and hour < ${end}::timestamptz`,
    ),
    // One day by the hour: that day's turns are few, and its hours change all day long.
    period.bucket === 'hour' ? latencyFromTurns(db, period) : latencyByDay(db, period),
    conversationsByBucket(db, period),
    handoffSources(db, period),
  ]);
  const feedback = {
    up: hours.reduce((total, row) => total + num(row.rated_up), 0),
    down: hours.reduce((total, row) => total + num(row.rated_down), 0),
  };
  return foldOverview(period, prices, { hours, latency, conversations, feedback, handoff });
}

/** The figures, charts and tables from hourly counts: buckets, codes, tokens by day and model, hours of the day. */
export function foldOverview(period: Period, prices: ModelPrices, sources: OverviewSources): Overview {
  const bucketMs = period.bucket === 'hour' ? 3_600_000 : 86_400_000;
  const bucketKey = (ms: number) => Math.floor(ms / bucketMs) * bucketMs;
  const latency = new Map(sources.latency.map((row) => [keyOf(row.at), row]));
  const conversations = new Map(sources.conversations.map((row) => [keyOf(row.at), num(row.n)]));
  type Counts = Pick<BucketFigures, 'turns' | 'expired' | 'unavailable' | 'errors' | 'unfinished' | 'byCode'>;
  const counts = new Map<number, Counts>();
  const models = new Map<string, { day: string; model: string; turns: number; prompt: number; completion: number }>();
  const hours = Array.from({ length: 24 }, () => 0);
  const codes = new Set<string>();
  for (const row of sources.hours) {
    const hourMs = keyOf(row.hour);
    const key = bucketKey(hourMs);
    const entry = counts.get(key) ?? { turns: 0, expired: 0, unavailable: 0, errors: 0, unfinished: 0, byCode: {} };
    entry.turns += num(row.turns);
    entry.expired += num(row.expired);
    entry.unavailable += num(row.unavailable);
    entry.unfinished += num(row.unfinished);
    const errors = num(row.errors);
    if (errors > 0) {
      const code = String(row.error_code);
      codes.add(code);
      entry.errors += errors;
      entry.byCode[code] = (entry.byCode[code] ?? 0) + errors;
    }
    counts.set(key, entry);
    const day = new Date(hourMs).toISOString().slice(0, 10);
    const model = String(row.model);
    const modelDay = models.get(`${day} ${model}`) ?? { day, model, turns: 0, prompt: 0, completion: 0 };
    modelDay.turns += num(row.turns);
    modelDay.prompt += num(row.prompt_tokens);
    modelDay.completion += num(row.completion_tokens);
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
  const sum = (pick: (b: BucketFigures) => number) => buckets.reduce((total, b) => total + pick(b), 0);
  const priced = tokens.filter((t) => t.cost !== null);

  return {
    buckets,
    handoff: foldHandoff(period, sources.handoff),
    codes: [...codes].sort(),
    tokens,
    models: [...new Set(tokens.map((t) => t.model))].sort(),
    feedback: sources.feedback,
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

/*
 * Handoffs (issue 20): what happened between customers and people, from `conversation_events` and
 * `sessions`. Events are few next to turns (a handoff is rare, an agent's reply one row), so these
 * are read straight from the events through their indexes (created_at, and (session_id, event_seq)
 * for the reply after a request) rather than through a rollup; lib/admin/overview-recount.ts counts
 * them again in code from the raw rows, and the tests compare the two.
 */

/** The reasons that mean someone asked for a person (agent_silent is the same wait queued again). */
export const REQUEST_REASONS = ['customer_asked', 'model_escalated', 'model_errors'] as const satisfies readonly HandoffReason[];

export interface HandoffBucket {
  at: Date;
  /** Conversations active in the bucket: started before its end, last active at or after its start. */
  active: number;
  /** Conversations that asked for a person in the bucket (a request: customer, model or error rule). */
  asked: number;
  /** Requests made in the bucket, and how many of them got an agent's reply before the conversation left people. */
  requests: number;
  answered: number;
  /** Milliseconds from a request to the first agent's message after it; null when none was answered. */
  firstReplyP50: number | null;
  firstReplyP95: number | null;
  /** State events into `waiting`, by reason (requests and conversations an agent left silent). */
  byReason: Record<string, number>;
  handedBack: number;
  agentReplies: number;
}

export interface HandoffFigures {
  buckets: HandoffBucket[];
  /** Reasons seen in the period, sorted. */
  reasons: string[];
  /** The whole period: distinct conversations and the period's own percentiles, not sums of buckets. */
  totals: Omit<HandoffBucket, 'at'>;
}

/** `at` null is the whole period (grouping sets: distinct counts and percentiles do not add up). */
export interface HandoffSources {
  active: { at: unknown; n: unknown }[];
  asked: { at: unknown; n: unknown }[];
  replies: { at: unknown; requests: unknown; answered: unknown; p50: unknown; p95: unknown }[];
  /** Countable events per bucket: `waiting` (with its reason), `handed_back`, `agent_reply`. */
  events: { at: unknown; figure: unknown; reason: unknown; n: unknown }[];
}

const requestReasons = sql.raw(REQUEST_REASONS.map((reason) => `'${reason}'`).join(', '));

export async function handoffSources(db: Database, period: Period): Promise<HandoffSources> {
  const { start, end, bucketOf } = periodBounds(period);
  const unit = sql.raw(`'${period.bucket}'`);
  const step = sql.raw(`interval '1 ${period.bucket}'`);
  const inPeriod = (column: string) => sql`${sql.raw(column)} >= ${start}::timestamptz and ${sql.raw(column)} < ${end}::timestamptz`;
  const [active, asked, replies, events] = await Promise.all([
    // Each conversation counts in every bucket its span touches: +1 at its first bucket, -1 after its
    // last, summed in order (one read of the sessions; a series per conversation cost 3 times more).
    queryRows<HandoffSources['active'][number]>(
      db,
      sql`with spans as (
            select date_trunc(${unit}, greatest(created_at, ${start}::timestamptz) at time zone 'UTC') as first,
              date_trunc(${unit}, least(greatest(last_activity_at, created_at), ${end}::timestamptz - interval '1 microsecond') at time zone 'UTC') as last
            from sessions where created_at < ${end}::timestamptz and last_activity_at >= ${start}::timestamptz
          ),
          deltas as (
            select first as at, count(*) as d from spans group by first
            union all
            select last + ${step}, -count(*) from spans group by last
          ),
          -- UTC wall time: a day is 24 hours whatever the server's zone. Every delta falls on a bucket
          -- (or on the period's end, which no bucket joins).
          buckets as (
            select b from generate_series(${start}::timestamptz at time zone 'UTC', ${end}::timestamptz at time zone 'UTC' - ${step}, ${step}) b
          )
          select b at time zone 'UTC' as at, (sum(coalesce(sum(d), 0)) over (order by b))::int as n
          from buckets left join deltas on deltas.at = b group by b
          union all
          select null, count(*)::int from spans`,
    ),
    queryRows<HandoffSources['asked'][number]>(
      db,
      sql`select at, count(distinct session_id)::int as n from (
            select ${bucketOf('created_at')} as at, session_id from conversation_events
            where ${inPeriod('created_at')} and kind = 'state' and state = 'waiting' and reason in (${requestReasons})
          ) r group by grouping sets ((at), ())`,
    ),
    // A request's first agent message, unless the conversation went back to the assistant or was
    // resolved before anyone wrote (that request was never answered by a person).
    queryRows<HandoffSources['replies'][number]>(
      db,
      sql`select at, count(*)::int as requests, count(ms)::int as answered,
            percentile_cont(0.5) within group (order by ms) as p50,
            percentile_cont(0.95) within group (order by ms) as p95
          from (
            select ${bucketOf('w.created_at')} as at, r.ms from conversation_events w
            left join lateral (
              select round(extract(epoch from (m.created_at - w.created_at)) * 1000)::float8 as ms
              from conversation_events m
              where m.session_id = w.session_id and m.event_seq > w.event_seq and m.kind = 'agent_message'
                and not exists (
                  select 1 from conversation_events x
                  where x.session_id = w.session_id and x.event_seq > w.event_seq and x.event_seq < m.event_seq
                    and x.kind = 'state' and x.state in ('assistant', 'resolved'))
              order by m.event_seq limit 1
            ) r on true
            where ${inPeriod('w.created_at')} and w.kind = 'state' and w.state = 'waiting' and w.reason in (${requestReasons})
          ) q group by grouping sets ((at), ())`,
    ),
    queryRows<HandoffSources['events'][number]>(
      db,
      sql`select ${bucketOf('created_at')} as at,
            case when kind = 'agent_message' then 'agent_reply' when state = 'waiting' then 'waiting' else 'handed_back' end as figure,
            case when kind = 'state' and state = 'waiting' then reason else '' end as reason, count(*)::int as n
          from conversation_events
          where ${inPeriod('created_at')}
            and (kind = 'agent_message' or (kind = 'state' and (state = 'waiting' or reason = 'handed_back')))
          group by 1, 2, 3`,
    ),
  ]);
  return { active, asked, replies, events };
}

export function foldHandoff(period: Period, sources: HandoffSources): HandoffFigures {
  const key = (at: unknown) => (at === null || at === undefined ? 'period' : keyOf(at));
  const empty = (): Omit<HandoffBucket, 'at'> => ({
    active: 0,
    asked: 0,
    requests: 0,
    answered: 0,
    firstReplyP50: null,
    firstReplyP95: null,
    byReason: {},
    handedBack: 0,
    agentReplies: 0,
  });
  const figures = new Map<number | 'period', Omit<HandoffBucket, 'at'>>();
  const entry = (at: unknown) => {
    const k = key(at);
    const found = figures.get(k) ?? empty();
    figures.set(k, found);
    return found;
  };
  for (const row of sources.active) entry(row.at).active = num(row.n);
  for (const row of sources.asked) entry(row.at).asked = num(row.n);
  for (const row of sources.replies) {
    const target = entry(row.at);
    target.requests = num(row.requests);
    target.answered = num(row.answered);
    target.firstReplyP50 = ms(row.p50);
    target.firstReplyP95 = ms(row.p95);
  }
  const reasons = new Set<string>();
  // Event counts add up: each row counts in its bucket and in the period.
  for (const row of sources.events) {
    const n = num(row.n);
    for (const target of [entry(row.at), entry(null)]) {
      if (row.figure === 'agent_reply') target.agentReplies += n;
      else if (row.figure === 'handed_back') target.handedBack += n;
      else {
        const reason = String(row.reason);
        reasons.add(reason);
        target.byReason[reason] = (target.byReason[reason] ?? 0) + n;
      }
    }
  }
  return {
    buckets: period.buckets.map((at) => ({ at, ...(figures.get(at.getTime()) ?? empty()) })),
    reasons: [...reasons].sort(),
    totals: figures.get('period') ?? empty(),
  };
}
