/** How scores read in the console (plain module: server and client components both use it). */
import type { Agreement } from '@/lib/review/agreement';
import type { CriterionData } from '@/lib/review/conversation-review';

/** A value as reviewers read it: yes/no in words, a scale as "n of max". */
export function valueText(criterion: Pick<CriterionData, 'kind' | 'scaleMax'>, value: number): string {
  if (criterion.kind === 'yes_no') return value === 1 ? 'yes' : 'no';
  return `${value}/${criterion.scaleMax}`;
}

export function scaleText(criterion: Pick<CriterionData, 'kind' | 'scaleMin' | 'scaleMax'>): string {
  return criterion.kind === 'yes_no' ? 'yes/no' : `${criterion.scaleMin}–${criterion.scaleMax}`;
}

export function agreementText(agreement: Agreement): string | null {
  if (agreement.pairs === 0 || agreement.exactPercent === null) return null;
  const diff = agreement.meanAbsDiff === null ? '' : ` · mean difference ${agreement.meanAbsDiff}`;
  return `Agreement ${agreement.exactPercent}% exact${diff} (${agreement.pairs} ${agreement.pairs === 1 ? 'pair' : 'pairs'})`;
}
