import type { Agreement } from '@/lib/review/agreement';
import type { ScoreTrend } from '@/lib/review/trend';
import { TimeChart } from '../TimeChart';

/** Colours that keep 3:1 against white (light) and slate-900 (dark), as the overview's own. */
const COLORS = [
  { light: '#2563eb', dark: '#60a5fa' },
  { light: '#c2410c', dark: '#fb923c' },
  { light: '#047857', dark: '#34d399' },
  { light: '#7c3aed', dark: '#a78bfa' },
  { light: '#b91c1c', dark: '#f87171' },
  { light: '#a16207', dark: '#facc15' },
];

function agreementWords(agreement: Agreement): string {
  if (agreement.exactPercent === null) return 'no two reviewers scored the same thing';
  const diff = agreement.meanAbsDiff === null ? '' : `, mean difference ${agreement.meanAbsDiff}`;
  return `${agreement.exactPercent}% exact${diff} (${agreement.pairs} ${agreement.pairs === 1 ? 'pair' : 'pairs'})`;
}

/**
 * Review scores by ISO week on the overview: a line per criterion (its mean as a share of its scale,
 * so a changed scale stays comparable), and the same figures as tables: each criterion version's
 * mean on its own scale, and reviewer agreement per week.
 */
export function ScoreTrendSection({ trend }: { trend: ScoreTrend }) {
  const x = trend.weeks.map((week) => week.start.getTime() / 1000);
  return (
    <section aria-labelledby="score-trend" className="min-w-0 space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="score-trend" className="font-semibold">
          Review scores by week
        </h2>
        <a data-nav href="/admin/review/rubric" className="text-sm font-medium text-blue-700 hover:underline dark:text-blue-400">
          Rubric →
        </a>
      </div>
      <p className="text-sm text-slate-700 dark:text-slate-300" data-testid="score-trend-summary">
        {trend.scores === 0
          ? 'No scores in this period.'
          : `${trend.scores} ${trend.scores === 1 ? 'score' : 'scores'} in this period. Agreement: ${agreementWords(trend.agreement)}.`}
      </p>
      {trend.scores > 0 && (
        <>
          <TimeChart
            label="Review scores by week, as a share of each criterion's scale: chart (the tables below have the same figures)"
            x={x}
            xAxis="utc-day"
            format="percent"
            series={trend.criteria.map((criterion, index) => ({
              label: criterion.label,
              values: trend.weeks.map((week) => week.shares[criterion.key] ?? null),
              color: COLORS[index % COLORS.length] ?? { light: '#2563eb', dark: '#60a5fa' },
            }))}
          />
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="text-left text-xs font-medium text-slate-600 dark:text-slate-400">Mean score per criterion and ISO week (each version on its own scale)</caption>
              <thead className="text-xs text-slate-600 dark:text-slate-400">
                <tr>
                  <th scope="col" className="py-1 pr-3">Week</th>
                  <th scope="col" className="py-1 pr-3">Criterion</th>
                  <th scope="col" className="py-1 pr-3 text-right">Mean</th>
                  <th scope="col" className="py-1 pr-3 text-right">Share of scale</th>
                  <th scope="col" className="py-1 text-right">Scores</th>
                </tr>
              </thead>
              <tbody>
                {trend.weeks.flatMap((week) =>
                  week.cells.map((cell) => (
                    <tr key={`${week.name}-${cell.criterionId}`} className="border-t border-slate-100 dark:border-slate-800">
                      <th scope="row" className="py-1 pr-3 font-normal whitespace-nowrap">
                        {week.name}
                      </th>
                      <td className="py-1 pr-3">
                        {cell.label} <span className="text-xs text-slate-600 dark:text-slate-400">v{cell.version}</span>
                      </td>
                      <td className="py-1 pr-3 text-right tabular-nums">
                        {cell.kind === 'yes_no' ? `${Math.round(cell.mean * 100)}% yes` : `${cell.mean} of ${cell.scaleMin}–${cell.scaleMax}`}
                      </td>
                      <td className="py-1 pr-3 text-right tabular-nums">{Math.round(((cell.mean - cell.scaleMin) / (cell.scaleMax - cell.scaleMin)) * 100)}%</td>
                      <td className="py-1 text-right tabular-nums">{cell.count}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </div>
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="text-left text-xs font-medium text-slate-600 dark:text-slate-400">Reviewer agreement per ISO week</caption>
              <thead className="text-xs text-slate-600 dark:text-slate-400">
                <tr>
                  <th scope="col" className="py-1 pr-3">Week</th>
                  <th scope="col" className="py-1">Agreement</th>
                </tr>
              </thead>
              <tbody>
                {trend.weeks.map((week) => (
                  <tr key={week.name} className="border-t border-slate-100 dark:border-slate-800">
                    <th scope="row" className="py-1 pr-3 font-normal whitespace-nowrap">
                      {week.name}
                    </th>
                    <td className="py-1">{week.cells.length === 0 ? 'no scores' : agreementWords(week.agreement)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
