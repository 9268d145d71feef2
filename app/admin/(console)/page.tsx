import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { BusiestHours } from '@/components/admin/BusiestHours';
import { ChartSection } from '@/components/admin/ChartSection';
import { formatValue, type ValueFormat } from '@/components/admin/chart-format';
import { InputProblems } from '@/components/admin/InputProblems';
import { KeyNav } from '@/components/admin/KeyNav';
import { LocalTime } from '@/components/admin/LocalTime';
import { Thumb } from '@/components/admin/Thumb';
import { TimeChart, type ChartSeries } from '@/components/admin/TimeChart';
import { firstValues } from '@/lib/admin/filters';
import { loadOverview, type BucketFigures, type HandoffBucket } from '@/lib/admin/overview';
import { bucketDays, dayOf, parsePeriod, type Period } from '@/lib/admin/period';
import { pathWithQuery } from '@/lib/auth/page-guard';
import { requirePageAgent } from '@/lib/runtime/auth';
import { getRuntime } from '@/lib/runtime';
import { plural } from '@/components/admin/format';
import { ScoreTrendSection } from '@/components/admin/review/ScoreTrend';
import { loadScoreTrend } from '@/lib/review/trend';

export const metadata: Metadata = { title: 'Overview' };
export const dynamic = 'force-dynamic';

type SearchParams = Record<string, string | string[] | undefined>;

/** Colours that keep 3:1 against white (light) and slate-900 (dark). */
const COLORS = [
  { light: '#2563eb', dark: '#60a5fa' },
  { light: '#c2410c', dark: '#fb923c' },
  { light: '#047857', dark: '#34d399' },
  { light: '#7c3aed', dark: '#a78bfa' },
  { light: '#b91c1c', dark: '#f87171' },
  { light: '#a16207', dark: '#facc15' },
];
const color = (index: number) => COLORS[index % COLORS.length] ?? { light: '#2563eb', dark: '#60a5fa' };

const rate = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

function sessionsHref(filters: Record<string, string>): string {
  return `/admin/sessions?${new URLSearchParams(filters)}`;
}

function Figure({ name, label, value, detail, href }: { name: string; label: string; value: string; detail?: ReactNode; href: string }) {
  return (
    <a
      data-nav
      href={href}
      className="block rounded-lg border border-slate-200 bg-white p-3 hover:border-blue-400 dark:border-slate-800 dark:bg-slate-900 dark:hover:border-blue-500"
    >
      <span className="block text-xs font-medium text-slate-600 dark:text-slate-400">{label}</span>
      <span data-figure={name} className="mt-0.5 block text-2xl font-semibold tabular-nums">
        {value}
      </span>
      {detail && <span className="block text-xs text-slate-600 dark:text-slate-400">{detail}</span>}
    </a>
  );
}

function PeriodPicker({ period }: { period: Period }) {
  const options = [
    ['today', 'Today'],
    ['7d', '7 days'],
    ['30d', '30 days'],
  ] as const;
  const field = 'rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-950';
  return (
    <div className="flex flex-wrap items-end gap-3">
      <nav aria-label="Period" className="flex gap-1">
        {options.map(([kind, label]) => (
          <a
            key={kind}
            href={`/admin?period=${kind}`}
            aria-current={period.kind === kind ? 'page' : undefined}
            className={`rounded-md px-2.5 py-1.5 text-sm font-medium ${
              period.kind === kind
                ? 'bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900'
                : 'text-slate-700 hover:bg-slate-200 dark:text-slate-300 dark:hover:bg-slate-800'
            }`}
          >
            {label}
          </a>
        ))}
      </nav>
      <form method="get" action="/admin" className="flex flex-wrap items-end gap-2 text-xs font-medium text-slate-600 dark:text-slate-400">
        <input type="hidden" name="period" value="custom" />
        <label className="flex flex-col">
          From (UTC day)
          <input name="from" type="date" defaultValue={period.from} className={`${field} mt-1 text-slate-900 dark:text-slate-100`} />
        </label>
        <label className="flex flex-col">
          to
          <input name="to" type="date" defaultValue={period.to} className={`${field} mt-1 text-slate-900 dark:text-slate-100`} />
        </label>
        <button type="submit" className="rounded-md bg-blue-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-blue-700">
          Show
        </button>
      </form>
    </div>
  );
}

/** The console's first page: how the assistant is doing over a period, each figure a way into the list. */
export default async function OverviewPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const raw = await searchParams;
  await requirePageAgent(pathWithQuery('/admin', raw));
  const period = parsePeriod(firstValues(raw));
  const runtime = getRuntime();
  const db = (await runtime.database()).db;
  const [overview, trend] = await Promise.all([loadOverview(db, period, runtime.config.admin.modelPrices), loadScoreTrend(db, period.start, period.end)]);
  const { totals, buckets } = overview;

  const range = { from: period.from, to: period.to };
  const x = buckets.map((b) => b.at.getTime() / 1000);
  const xAxis = period.bucket === 'hour' ? ('local-hour' as const) : ('utc-day' as const);
  const rowsFor = (extra: Record<string, string> = {}) =>
    buckets.map((b) => ({
      label: period.bucket === 'hour' ? <LocalTime value={b.at} style="clock" /> : dayOf(b.at),
      href: sessionsHref({ ...bucketDays(period, b.at), ...extra }),
    }));
  const hrefsFor = (extra: Record<string, string> = {}) => buckets.map((b) => sessionsHref({ ...bucketDays(period, b.at), ...extra }));
  const column = (label: string, pick: (b: BucketFigures) => number | null, format: ValueFormat = 'count') => ({
    label,
    values: buckets.map(pick),
    format,
  });
  const rated = overview.feedback.up + overview.feedback.down;
  const tokenDays = [...new Set(overview.tokens.map((t) => t.day))];
  const tokenSeries: ChartSeries[] = overview.models.map((model, index) => ({
    label: model,
    values: buckets.map((b) => {
      const dayTokens = overview.tokens.filter((t) => t.model === model && t.day === dayOf(b.at));
      if (period.bucket === 'hour') return null;
      return dayTokens.reduce((sum, t) => sum + t.promptTokens + t.completionTokens, 0);
    }),
    color: color(index),
  }));

  return (
    <div className="space-y-5">
      <KeyNav />
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold">Overview</h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            {period.from === period.to ? period.from : `${period.from} to ${period.to}`} (UTC days).{' '}
            <span className="hidden sm:inline">
              Keys: <kbd className="font-mono">j</kbd>/<kbd className="font-mono">k</kbd> move, <kbd className="font-mono">Enter</kbd> opens.
            </span>
          </p>
        </div>
        <PeriodPicker period={period} />
      </div>
      {period.problem && <InputProblems problems={[period.problem]} note="" />}

      <section aria-label="Key figures" className="grid grid-cols-2 gap-2 sm:grid-cols-4 xl:grid-cols-8">
        <Figure name="conversations" label="Conversations started" value={String(totals.conversations)} href={sessionsHref(range)} />
        <Figure name="turns" label="Turns" value={String(totals.turns)} href={sessionsHref(range)} />
        <Figure
          name="error-rate"
          label="Model errors"
          value={formatValue(rate(totals.errors, totals.turns), 'percent')}
          detail={plural(totals.errors, 'turn')}
          href={sessionsHref({ ...range, errors: '1' })}
        />
        <Figure
          name="unfinished"
          label="Unfinished turns"
          value={String(totals.unfinished)}
          detail="pending or abandoned"
          href={sessionsHref({ ...range, unfinished: '1' })}
        />
        <Figure
          name="expired-rate"
          label="Memory expired"
          value={formatValue(rate(totals.expired, totals.turns), 'percent')}
          detail={plural(totals.expired, 'turn')}
          href={sessionsHref({ ...range, memory: 'expired' })}
        />
        <Figure
          name="unavailable-rate"
          label="Memory unavailable"
          value={formatValue(rate(totals.unavailable, totals.turns), 'percent')}
          detail={plural(totals.unavailable, 'turn')}
          href={sessionsHref({ ...range, memory: 'unavailable' })}
        />
        <Figure
          name="feedback-up-rate"
          label="Helpful (thumbs up of rated)"
          value={formatValue(rate(overview.feedback.up, rated), 'percent')}
          detail={`${overview.feedback.up} up · ${overview.feedback.down} down`}
          href={sessionsHref({ ...range, feedback: 'up' })}
        />
        <Figure
          name="cost"
          label="Estimated cost"
          value={totals.cost === null ? '—' : `$${totals.cost.toFixed(2)}`}
          detail={`${formatValue(totals.promptTokens + totals.completionTokens, 'tokens')} tokens`}
          href={sessionsHref(range)}
        />
      </section>

      <div className="grid gap-4 lg:grid-cols-2">
        <ChartSection
          id="chart-volume"
          title="Conversations and turns"
          summary={`${plural(totals.conversations, 'conversation')} started, ${plural(totals.turns, 'turn')}.`}
          openHref={sessionsHref(range)}
          chart={{
            x,
            xAxis,
            format: 'count',
            hrefs: hrefsFor(),
            series: [
              { label: 'Conversations', values: buckets.map((b) => b.conversations), color: color(0) },
              { label: 'Turns', values: buckets.map((b) => b.turns), color: color(1) },
            ],
          }}
          rows={rowsFor()}
          columns={[column('Conversations', (b) => b.conversations), column('Turns', (b) => b.turns)]}
        />
        <ChartSection
          id="chart-memory"
          title="Memory fallbacks"
          summary={`Expired ${formatValue(rate(totals.expired, totals.turns), 'percent')}, unavailable ${formatValue(rate(totals.unavailable, totals.turns), 'percent')} of turns.`}
          openHref={sessionsHref({ ...range, fallback: '1' })}
          extraLinks={[
            { label: `Expired (${totals.expired})`, href: sessionsHref({ ...range, memory: 'expired' }) },
            { label: `Unavailable (${totals.unavailable})`, href: sessionsHref({ ...range, memory: 'unavailable' }) },
          ]}
          chart={{
            x,
            xAxis,
            format: 'percent',
            hrefs: hrefsFor({ fallback: '1' }),
            series: [
              { label: 'Expired', values: buckets.map((b) => rate(b.expired, b.turns)), color: color(1) },
              { label: 'Unavailable', values: buckets.map((b) => rate(b.unavailable, b.turns)), color: color(4) },
            ],
          }}
          rows={rowsFor({ fallback: '1' })}
          columns={[
            column('Expired', (b) => b.expired),
            column('Expired %', (b) => rate(b.expired, b.turns), 'percent'),
            column('Unavailable', (b) => b.unavailable),
            column('Unavailable %', (b) => rate(b.unavailable, b.turns), 'percent'),
          ]}
        />
        <ChartSection
          id="chart-errors"
          title="Model errors by code"
          summary={
            overview.codes.length === 0
              ? 'No model errors.'
              : `${plural(totals.errors, 'failed turn')} (${formatValue(rate(totals.errors, totals.turns), 'percent')}): ${overview.codes
                  .map((code) => `${code} ${buckets.reduce((sum, b) => sum + (b.byCode[code] ?? 0), 0)}`)
                  .join(', ')}.`
          }
          openHref={sessionsHref({ ...range, errors: '1' })}
          extraLinks={overview.codes.map((code) => ({ label: code, href: sessionsHref({ ...range, code }) }))}
          chart={{
            x,
            xAxis,
            format: 'percent',
            hrefs: hrefsFor({ errors: '1' }),
            series: overview.codes.map((code, index) => ({
              label: code,
              values: buckets.map((b) => rate(b.byCode[code] ?? 0, b.turns)),
              color: color(index + 2),
            })),
          }}
          rows={rowsFor({ errors: '1' })}
          columns={[
            column('Turns', (b) => b.turns),
            ...overview.codes.map((code) => column(code, (b) => b.byCode[code] ?? 0)),
            column('Error rate', (b) => rate(b.errors, b.turns), 'percent'),
          ]}
        />
        <ChartSection
          id="chart-latency"
          title="Latency"
          summary="Time to first token and total reply time, median (p50) and 95th percentile."
          openHref={sessionsHref(range)}
          chart={{
            x,
            xAxis,
            format: 'ms',
            hrefs: hrefsFor(),
            series: [
              { label: 'First token p50', values: buckets.map((b) => b.ttftP50), color: color(0) },
              { label: 'First token p95', values: buckets.map((b) => b.ttftP95), color: color(3) },
              { label: 'Total p50', values: buckets.map((b) => b.totalP50), color: color(2) },
              { label: 'Total p95', values: buckets.map((b) => b.totalP95), color: color(1) },
            ],
          }}
          rows={rowsFor()}
          columns={[
            column('First token p50', (b) => b.ttftP50, 'ms'),
            column('First token p95', (b) => b.ttftP95, 'ms'),
            column('Total p50', (b) => b.totalP50, 'ms'),
            column('Total p95', (b) => b.totalP95, 'ms'),
          ]}
        />
        <section aria-labelledby="chart-tokens" className="min-w-0 space-y-2 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
          <h2 id="chart-tokens" className="font-semibold">
            Tokens and estimated cost by model
          </h2>
          {period.bucket === 'day' && tokenSeries.length > 0 && (
            <ChartTokens x={x} series={tokenSeries} hrefs={hrefsFor()} />
          )}
          <div className="overflow-x-auto text-xs sm:text-sm">
            <table className="w-full text-left">
              <caption className="sr-only">Tokens per day by model, with the estimated cost</caption>
              <thead className="text-xs text-slate-600 dark:text-slate-400">
                <tr>
                  <th scope="col" className="py-1 pr-3">Day (UTC)</th>
                  <th scope="col" className="py-1 pr-3">Model</th>
                  <th scope="col" className="py-1 pr-3 text-right">Input</th>
                  <th scope="col" className="py-1 pr-3 text-right">Output</th>
                  <th scope="col" className="py-1 pr-3 text-right">Cost</th>
                </tr>
              </thead>
              <tbody>
                {overview.tokens.map((t) => (
                  <tr key={`${t.day}-${t.model}`} data-tokens={`${t.day} ${t.model}`} className="border-t border-slate-100 dark:border-slate-800">
                    <td className="py-1 pr-3 whitespace-nowrap">{t.day}</td>
                    <td className="py-1 pr-3">
                      <a data-nav href={sessionsHref({ from: t.day, to: t.day, model: t.model })} className="font-mono text-blue-700 hover:underline dark:text-blue-400">
                        {t.model}
                      </a>
                    </td>
                    <td className="py-1 pr-3 text-right tabular-nums">{t.promptTokens}</td>
                    <td className="py-1 pr-3 text-right tabular-nums">{t.completionTokens}</td>
                    <td className="py-1 pr-3 text-right tabular-nums">{t.cost === null ? 'no price' : `$${t.cost.toFixed(4)}`}</td>
                  </tr>
                ))}
                {tokenDays.length === 0 && (
                  <tr>
                    <td colSpan={5} className="py-2 text-slate-600 dark:text-slate-400">
                      No turns in this period.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <p className="text-xs text-slate-600 dark:text-slate-400">Prices come from MODEL_PRICES (dollars per million tokens); models without a price show none.</p>
        </section>
        <section aria-labelledby="chart-feedback" className="min-w-0 space-y-2 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
          <h2 id="chart-feedback" className="font-semibold">
            Customer feedback
          </h2>
          <p className="text-sm text-slate-700 dark:text-slate-300">
            {rated === 0
              ? 'No replies rated in this period.'
              : `${formatValue(rate(overview.feedback.up, rated), 'percent')} of ${plural(rated, 'rated reply', 'rated replies')} ${rated === 1 ? 'was' : 'were'} helpful; ${formatValue(rate(rated, totals.turns), 'percent')} of turns were rated.`}
          </p>
          <FeedbackBar up={overview.feedback.up} down={overview.feedback.down} />
          <ul className="flex flex-wrap gap-3 text-sm">
            <li>
              <a data-nav href={sessionsHref({ ...range, feedback: 'up' })} className="text-blue-700 hover:underline dark:text-blue-400">
                <Thumb rating="up" /> <span data-figure="feedback-up">{overview.feedback.up}</span> helpful
              </a>
            </li>
            <li>
              <a data-nav href={sessionsHref({ ...range, feedback: 'down' })} className="text-blue-700 hover:underline dark:text-blue-400">
                <Thumb rating="down" /> <span data-figure="feedback-down">{overview.feedback.down}</span> unhelpful
              </a>
            </li>
          </ul>
        </section>
        <section aria-labelledby="chart-hours" className="min-w-0 space-y-2 rounded-lg border border-slate-200 bg-white p-4 lg:col-span-2 dark:border-slate-800 dark:bg-slate-900">
          <div className="flex flex-wrap items-baseline justify-between gap-2">
            <h2 id="chart-hours" className="font-semibold">
              Busiest hours
            </h2>
            <a data-nav href={sessionsHref(range)} className="text-sm font-medium text-blue-700 hover:underline dark:text-blue-400">
              Open these sessions →
            </a>
          </div>
          <BusiestHours utcHours={overview.hours} href={sessionsHref(range)} />
        </section>
      </div>

      <HandoffSection overview={overview} period={period} x={x} xAxis={xAxis} rowsFor={rowsFor} hrefsFor={hrefsFor} />
      <ScoreTrendSection trend={trend} />
    </div>
  );
}

function ChartTokens({ x, series, hrefs }: { x: number[]; series: ChartSeries[]; hrefs: string[] }) {
  return <TimeChart label="Tokens per day by model: chart (the table below has the same figures)" x={x} series={series} hrefs={hrefs} format="tokens" xAxis="utc-day" />;
}

function FeedbackBar({ up, down }: { up: number; down: number }) {
  const total = up + down;
  if (total === 0) return null;
  return (
    <div aria-hidden="true" className="flex h-3 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800">
      <div className="bg-emerald-600 dark:bg-emerald-400" style={{ width: `${(up / total) * 100}%` }} />
      <div className="bg-red-600 dark:bg-red-400" style={{ width: `${(down / total) * 100}%` }} />
    </div>
  );
}

const REASON_LABELS: Record<string, string> = {
  customer_asked: 'Customer asked',
  model_escalated: 'Assistant escalated',
  model_errors: 'Model errors',
  agent_silent: 'Agent silent (queued again)',
};
const reasonLabel = (reason: string) => REASON_LABELS[reason] ?? reason;

/**
 * Handoffs to people (issue 20): how often conversations asked for a person and why, how long a
 * person took to answer, how often they handed back, and what agents wrote. The sessions list has no
 * handoff filter yet, so links open the period's (or the bucket's day's) sessions.
 */
function HandoffSection({
  overview,
  period,
  x,
  xAxis,
  rowsFor,
  hrefsFor,
}: {
  overview: Awaited<ReturnType<typeof loadOverview>>;
  period: Period;
  x: number[];
  xAxis: 'local-hour' | 'utc-day';
  rowsFor: () => Array<{ label: ReactNode; href: string }>;
  hrefsFor: () => string[];
}) {
  const { buckets, totals, reasons } = overview.handoff;
  const range = sessionsHref({ from: period.from, to: period.to });
  const column = (label: string, pick: (b: HandoffBucket) => number | null, format: ValueFormat = 'count') => ({
    label,
    values: buckets.map(pick),
    format,
  });
  const perDay = period.bucket === 'hour' ? 'per hour' : 'per day';
  return (
    <section aria-labelledby="handoffs" className="space-y-3">
      <h2 id="handoffs" className="text-lg font-semibold">
        Handoffs to people
      </h2>
      <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
        <Figure
          name="handoff-rate"
          label="Handoff rate"
          value={formatValue(rate(totals.asked, totals.active), 'percent')}
          detail={`${plural(totals.asked, 'conversation')} of ${totals.active} active`}
          href={range}
        />
        <Figure
          name="first-reply-p50"
          label="First human reply (p50)"
          value={formatValue(totals.firstReplyP50, 'wait')}
          detail={`p95 ${formatValue(totals.firstReplyP95, 'wait')} · ${totals.answered} of ${plural(totals.requests, 'request')} answered`}
          href={range}
        />
        <Figure name="handed-back" label="Handed back to the assistant" value={String(totals.handedBack)} detail="times" href={range} />
        <Figure name="agent-replies" label="Agent replies" value={String(totals.agentReplies)} detail="messages from people" href={range} />
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <ChartSection
          id="chart-handoff-rate"
          title="Handoff rate"
          summary={`${plural(totals.asked, 'conversation')} of ${totals.active} active asked for a person (${formatValue(rate(totals.asked, totals.active), 'percent')}).`}
          openHref={range}
          chart={{
            x,
            xAxis,
            format: 'percent',
            hrefs: hrefsFor(),
            series: [{ label: 'Handoff rate', values: buckets.map((b) => rate(b.asked, b.active)), color: color(0) }],
          }}
          rows={rowsFor()}
          columns={[column('Active', (b) => b.active), column('Asked for a person', (b) => b.asked), column('Rate', (b) => rate(b.asked, b.active), 'percent')]}
        />
        <ChartSection
          id="chart-handoff-reasons"
          title="Why a person was asked for"
          summary={
            reasons.length === 0
              ? 'Nobody asked for a person.'
              : `${reasons.map((reason) => `${reasonLabel(reason)} ${totals.byReason[reason] ?? 0}`).join(', ')}.`
          }
          openHref={range}
          chart={{
            x,
            xAxis,
            format: 'count',
            hrefs: hrefsFor(),
            series: reasons.map((reason, index) => ({ label: reasonLabel(reason), values: buckets.map((b) => b.byReason[reason] ?? 0), color: color(index) })),
          }}
          rows={rowsFor()}
          columns={reasons.map((reason) => column(reasonLabel(reason), (b) => b.byReason[reason] ?? 0))}
        />
        <ChartSection
          id="chart-first-reply"
          title="Time to first human reply"
          summary={
            totals.requests === 0
              ? 'No requests for a person.'
              : `Median ${formatValue(totals.firstReplyP50, 'wait')}, 95th percentile ${formatValue(totals.firstReplyP95, 'wait')}; ${totals.answered} of ${plural(totals.requests, 'request')} answered by a person.`
          }
          openHref={range}
          chart={{
            x,
            xAxis,
            format: 'wait',
            hrefs: hrefsFor(),
            series: [
              { label: 'p50', values: buckets.map((b) => b.firstReplyP50), color: color(2) },
              { label: 'p95', values: buckets.map((b) => b.firstReplyP95), color: color(3) },
            ],
          }}
          rows={rowsFor()}
          columns={[
            column('Requests', (b) => b.requests),
            column('Answered', (b) => b.answered),
            column('p50', (b) => b.firstReplyP50, 'wait'),
            column('p95', (b) => b.firstReplyP95, 'wait'),
          ]}
        />
        <ChartSection
          id="chart-agent-replies"
          title={`Agent replies and hand-backs ${perDay}`}
          summary={`${plural(totals.agentReplies, 'agent reply', 'agent replies')}; handed back to the assistant ${plural(totals.handedBack, 'time')}.`}
          openHref={range}
          chart={{
            x,
            xAxis,
            format: 'count',
            hrefs: hrefsFor(),
            series: [
              { label: 'Agent replies', values: buckets.map((b) => b.agentReplies), color: color(0) },
              { label: 'Handed back', values: buckets.map((b) => b.handedBack), color: color(1) },
            ],
          }}
          rows={rowsFor()}
          columns={[column('Agent replies', (b) => b.agentReplies), column('Handed back', (b) => b.handedBack)]}
        />
      </div>
    </section>
  );
}
