'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import type { CriterionData, ScoredCriterion, TargetReview } from '@/lib/review/conversation-review';
import { adminFetch } from '../api-client';
import { agreementText, scaleText, valueText } from './score-words';

const BUTTON =
  'rounded-md border border-slate-300 px-2 py-0.5 text-xs font-medium hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-blue-600 dark:border-slate-700 dark:hover:bg-slate-800';

function optionsOf(criterion: CriterionData): Array<{ value: number; label: string }> {
  if (criterion.kind === 'yes_no') {
    return [
      { value: 1, label: 'Yes' },
      { value: 0, label: 'No' },
    ];
  }
  const options: Array<{ value: number; label: string }> = [];
  for (let value = criterion.scaleMin; value <= criterion.scaleMax; value++) options.push({ value, label: String(value) });
  return options;
}

function Others({ group, selfId }: { group: ScoredCriterion | undefined; selfId: string }) {
  if (!group || group.scores.length === 0) return null;
  const others = group.scores.filter((score) => score.reviewerId !== selfId);
  const agreement = agreementText(group.agreement);
  return (
    <p className="text-xs text-slate-600 dark:text-slate-400" data-testid="score-summary">
      {others.length > 0 && (
        <>
          Others: {others.map((score) => `${score.reviewerName} ${valueText(group.criterion, score.value)}`).join(' · ')}
        </>
      )}
      {agreement && <span className="ml-2 font-medium text-slate-800 dark:text-slate-200">{agreement}</span>}
    </p>
  );
}

function CriterionControl(props: {
  sessionRef: string;
  auditId: string | null;
  criterion: CriterionData;
  group: ScoredCriterion | undefined;
  selfId: string;
  name: string;
}) {
  const { criterion, group, selfId } = props;
  const router = useRouter();
  const saved = group?.scores.find((score) => score.reviewerId === selfId)?.value ?? null;
  const [mine, setMine] = useState<number | null>(saved);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function save(value: number | null) {
    const before = mine;
    setMine(value);
    setPending(true);
    setError(null);
    try {
      await adminFetch('/api/admin/review/scores', {
        method: 'PUT',
        body: { ref: props.sessionRef, auditId: props.auditId, criterionId: criterion.id, value },
      });
      router.refresh();
    } catch (failure) {
      setMine(before);
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setPending(false);
    }
  }

  const descriptionId = `${props.name}-description`;
  return (
    <fieldset className="min-w-0" aria-describedby={criterion.description ? descriptionId : undefined} aria-busy={pending}>
      <legend className="text-xs font-semibold text-slate-800 dark:text-slate-200">
        {criterion.label} <span className="font-normal text-slate-600 dark:text-slate-400">({scaleText(criterion)})</span>
      </legend>
      {criterion.description && (
        <p id={descriptionId} className="text-xs text-slate-600 dark:text-slate-400">
          {criterion.description}
        </p>
      )}
      <div className="mt-1 flex flex-wrap items-center gap-1">
        {optionsOf(criterion).map((option) => (
          <label
            key={option.value}
            className="inline-flex cursor-pointer items-center gap-1 rounded-md border border-slate-300 px-2 py-0.5 text-xs has-checked:border-blue-600 has-checked:bg-blue-600 has-checked:font-semibold has-checked:text-white has-focus-visible:outline-2 has-focus-visible:outline-blue-600 dark:border-slate-700"
          >
            <input
              type="radio"
              name={props.name}
              value={option.value}
              checked={mine === option.value}
              onChange={() => void save(option.value)}
              className="size-3 accent-blue-600"
            />
            {option.label}
          </label>
        ))}
        {mine !== null && (
          <button type="button" className={BUTTON} onClick={() => void save(null)} aria-label={`Clear my ${criterion.label} score`}>
            Clear
          </button>
        )}
      </div>
      <Others group={group} selfId={selfId} />
      {error && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
    </fieldset>
  );
}

/**
 * The signed-in reviewer's scores of one target (a reply, or the conversation) for the current
 * rubric, with the other reviewers' values and their agreement; scores given under an earlier
 * version of a criterion are listed read-only with that version's own label and scale.
 */
export function ScoreControls(props: { sessionRef: string; auditId: string | null; review: TargetReview; selfId: string; title: string; narrow?: boolean }) {
  const { review } = props;
  const byId = new Map(review.scored.map((group) => [group.criterion.id, group]));
  const earlier = review.scored.filter((group) => !group.criterion.current);
  const target = props.auditId ?? 'conversation';
  return (
    <section aria-label={props.title} className="space-y-2 rounded-md border border-slate-200 p-2 dark:border-slate-800">
      <h3 className="text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">{props.title}</h3>
      {review.criteria.length === 0 && <p className="text-xs text-slate-600 dark:text-slate-400">No criteria in the rubric for this.</p>}
      <div className={`grid gap-2 ${props.narrow ? '' : 'sm:grid-cols-2'}`}>
        {review.criteria.map((criterion) => (
          <CriterionControl
            key={criterion.id}
            sessionRef={props.sessionRef}
            auditId={props.auditId}
            criterion={criterion}
            group={byId.get(criterion.id)}
            selfId={props.selfId}
            name={`score-${target}-${criterion.key}`}
          />
        ))}
      </div>
      {earlier.length > 0 && (
        <div className="text-xs text-slate-600 dark:text-slate-400">
          <p className="font-medium">Under earlier versions of the rubric</p>
          <ul className="list-disc pl-5">
            {earlier.map((group) => (
              <li key={group.criterion.id}>
                {group.criterion.label} (v{group.criterion.version}, {scaleText(group.criterion)}):{' '}
                {group.scores.map((score) => `${score.reviewerName} ${valueText(group.criterion, score.value)}`).join(' · ')}
                {agreementText(group.agreement) && ` — ${agreementText(group.agreement)}`}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
