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
  REQUEST_REASONS,
  type HandoffSources,
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
  const [hours, latency, conversations, ratings, handoff] = await Promise.all([
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
    recountHandoff(db, period),
  ]);
  const rating = (name: string) => num(ratings.find((row) => row.rating === name)?.n);
  return foldOverview(period, prices, { hours, latency, conversations, feedback: { up: rating('up'), down: rating('down') }, handoff });
}

const time = (value: unknown): number => (value instanceof Date ? value : new Date(String(value))).getTime();

/** percentile_cont: linear between the two nearest ranks, as Postgres computes it. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  const first = sorted[low] ?? 0;
  const second = sorted[Math.min(low + 1, sorted.length - 1)] ?? first;
  return first + (second - first) * (position - low);
}

interface EventRow extends Record<string, unknown> {
  session_id: string;
  event_seq: number;
  kind: string;
  state: string | null;
  reason: string | null;
  created_at: unknown;
}

/**
 * The handoff figures in code, from every event of the conversations with an event in the period and
 * every session the period's span selects: no bucketing, distinct counts or percentiles in SQL.
 */
export async function recountHandoff(db: Database, period: Period): Promise<HandoffSources> {
  const { start, end } = periodBounds(period);
  const [sessions, events] = await Promise.all([
    queryRows<{ id: string; created_at: unknown; last_activity_at: unknown }>(
      db,
      sql`select id, created_at, last_activity_at from sessions
          where created_at < ${end}::timestamptz and last_activity_at >= ${start}::timestamptz`,
    ),
    queryRows<EventRow>(
      db,
      sql`select session_id, event_seq, kind, state, reason, created_at from conversation_events
          where session_id in (select session_id from conversation_events
            where created_at >= ${start}::timestamptz and created_at < ${end}::timestamptz)`,
    ),
  ]);
  const startMs = period.start.getTime();
  const endMs = period.end.getTime();
  const size = period.bucket === 'hour' ? 3_600_000 : 86_400_000;
  const bucketOf = (ms: number) => Math.floor(ms / size) * size;
  const inPeriod = (ms: number) => ms >= startMs && ms < endMs;
  const PERIOD = 'period';
  const tally = (map: Map<number | string, Set<string>>, key: number | string, id: string) => {
    const set = map.get(key) ?? new Set<string>();
    set.add(id);
    map.set(key, set);
  };
  const at = (key: number | string) => (key === PERIOD ? null : new Date(key));

  const active = new Map<number | string, Set<string>>();
  for (const session of sessions) {
    const created = time(session.created_at);
    const last = Math.max(time(session.last_activity_at), created);
    for (let bucket = bucketOf(Math.max(created, startMs)); bucket <= Math.min(last, endMs - 1); bucket += size) tally(active, bucket, session.id);
    tally(active, PERIOD, session.id);
  }

  const requests = new Set<string>(REQUEST_REASONS);
  const bySession = new Map<string, EventRow[]>();
  for (const event of events) bySession.set(event.session_id, [...(bySession.get(event.session_id) ?? []), event]);
  const asked = new Map<number | string, Set<string>>();
  const waits = new Map<number | string, (number | null)[]>();
  const counted = new Map<string, number>();
  for (const [sessionId, list] of bySession) {
    list.sort((a, b) => num(a.event_seq) - num(b.event_seq));
    list.forEach((event, index) => {
      const when = time(event.created_at);
      if (!inPeriod(when)) return;
      const bucket = bucketOf(when);
      const count = (figure: string, reason: string) => {
        const k = `${bucket} ${figure} ${reason}`;
        counted.set(k, (counted.get(k) ?? 0) + 1);
      };
      if (event.kind === 'agent_message') count('agent_reply', '');
      else if (event.state === 'waiting') count('waiting', event.reason ?? '');
      else if (event.reason === 'handed_back') count('handed_back', '');
      if (event.kind !== 'state' || event.state !== 'waiting' || !requests.has(event.reason ?? '')) return;
      tally(asked, bucket, sessionId);
      tally(asked, PERIOD, sessionId);
      let reply: number | null = null;
      for (const later of list.slice(index + 1)) {
        if (later.kind === 'state' && (later.state === 'assistant' || later.state === 'resolved')) break;
        if (later.kind === 'agent_message') {
          reply = Math.round(time(later.created_at) - when);
          break;
        }
      }
      for (const k of [bucket, PERIOD]) waits.set(k, [...(waits.get(k) ?? []), reply]);
    });
  }

  return {
    active: [...active].map(([k, ids]) => ({ at: at(k), n: ids.size })),
    asked: [...asked].map(([k, ids]) => ({ at: at(k), n: ids.size })),
    replies: [...waits].map(([k, list]) => {
      const answered = list.filter((value): value is number => value !== null).sort((a, b) => a - b);
      return { at: at(k), requests: list.length, answered: answered.length, p50: percentile(answered, 0.5), p95: percentile(answered, 0.95) };
    }),
    events: [...counted].map(([k, n]) => {
      const [bucket = '0', figure = '', reason = ''] = k.split(' ');
      return { at: new Date(Number(bucket)), figure, reason, n };
    }),
  };
}
