import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import {
  datasets,
  replayResults,
  replayRuns,
  type ReplayCandidate,
  type ReplayResultStatus,
  type ReplayRunRow,
  type ReplayState,
  reviewCorrections,
  turns,
} from '@/lib/db/schema';
import { fromDbText, fromDbTextOrNull, toDbText } from '@/lib/db/text';
import { ApiError } from '@/lib/errors';
import type { ModelPrices } from '@/lib/model/prices';
import type { ReplayModels } from '@/lib/review/replay/models';

/** What an admin starts, reads and cancels (the runner does the work: runner.ts). */

export const SYSTEM_PROMPT_MAX_CHARS = 20_000;

export const startReplaySchema = z
  .strictObject({
    datasetId: z.uuid().optional(),
    auditId: z.uuid().optional(),
    /** null: each turn's recorded system message goes unchanged. */
    systemPrompt: z.string().max(SYSTEM_PROMPT_MAX_CHARS).nullable(),
    endpoint: z.string().min(1).max(40),
    model: z.string().min(1).max(200),
    budgetUsd: z.number().positive().max(10_000).optional(),
    budgetTokens: z.number().int().positive().max(2_000_000_000).optional(),
  })
  .refine((body) => (body.datasetId === undefined) !== (body.auditId === undefined), 'pick a dataset or one turn')
  .refine((body) => body.budgetUsd !== undefined || body.budgetTokens !== undefined, 'set a budget in dollars or tokens');

export type StartReplayInput = z.infer<typeof startReplaySchema>;

export const ACTIVE_STATES: readonly ReplayState[] = ['queued', 'running'];

export async function startReplay(
  db: Database,
  agent: Pick<AgentIdentity, 'id' | 'name' | 'email'>,
  input: StartReplayInput,
  models: ReplayModels,
  prices: ModelPrices,
): Promise<ReplayRunRow> {
  if (!models.client(input.endpoint, input.model)) {
    throw new ApiError(400, 'unknown_endpoint', `No configured endpoint "${input.endpoint}" with the model "${input.model}".`);
  }
  if (input.budgetUsd !== undefined && !prices[input.model]) {
    throw new ApiError(400, 'no_price', `MODEL_PRICES has no price for "${input.model}": set a token budget instead.`);
  }
  let total = 1;
  if (input.datasetId) {
    const [dataset] = await db.select({ itemCount: datasets.itemCount }).from(datasets).where(eq(datasets.id, input.datasetId));
    if (!dataset) throw new ApiError(404, 'not_found', 'No such dataset.');
    total = dataset.itemCount;
  } else if (input.auditId) {
    const [turn] = await db.select({ auditId: turns.auditId }).from(turns).where(eq(turns.auditId, input.auditId));
    if (!turn) throw new ApiError(404, 'not_found', 'No such turn.');
  }
  const candidate: ReplayCandidate = {
    systemPrompt: input.systemPrompt === null ? null : toDbText(input.systemPrompt),
    endpoint: input.endpoint,
    model: input.model,
  };
  const [run] = await db
    .insert(replayRuns)
    .values({
      datasetId: input.datasetId ?? null,
      auditId: input.auditId ?? null,
      candidate,
      total,
      budgetUsd: input.budgetUsd ?? null,
      budgetTokens: input.budgetTokens ?? null,
      createdBy: agent.id,
      createdByName: agent.name?.trim() || agent.email,
    })
    .returning();
  if (!run) throw new Error('replay insert returned nothing');
  return run;
}

/**
 * Asks a run to stop: a queued run is cancelled here; a running one stops before its next call and
 * its runner aborts the call in flight. null: no such run; 'finished': it had already ended.
 */
export async function requestCancel(db: Database, runId: string): Promise<ReplayRunRow | null | 'finished'> {
  const [row] = await db
    .update(replayRuns)
    .set({
      cancelRequestedAt: sql`coalesce(${replayRuns.cancelRequestedAt}, now())`,
      state: sql`case when ${replayRuns.state} = 'queued' then 'cancelled' else ${replayRuns.state} end`,
      finishedAt: sql`case when ${replayRuns.state} = 'queued' then now() else ${replayRuns.finishedAt} end`,
    })
    .where(and(eq(replayRuns.id, runId), inArray(replayRuns.state, [...ACTIVE_STATES])))
    .returning();
  if (row) return row;
  const [exists] = await db.select({ id: replayRuns.id }).from(replayRuns).where(eq(replayRuns.id, runId));
  return exists ? 'finished' : null;
}

export interface ReplayRunView {
  id: string;
  datasetId: string | null;
  datasetName: string | null;
  datasetVersion: number | null;
  auditId: string | null;
  systemPrompt: string | null;
  endpoint: string;
  model: string;
  state: ReplayState;
  total: number;
  completed: number;
  failed: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number | null;
  budgetUsd: number | null;
  budgetTokens: number | null;
  createdByName: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cancelRequested: boolean;
}

export interface ReplayResultView {
  position: number;
  auditId: string;
  status: ReplayResultStatus;
  /** What the model answered when the turn ran (null: the turn was deleted since). */
  original: string | null;
  correction: string | null;
  candidate: string | null;
  errorCode: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  latencyMs: number | null;
  costUsd: number | null;
  /** The recorded turn's own figures, for comparison. */
  originalPromptTokens: number | null;
  originalCompletionTokens: number | null;
  originalLatencyMs: number | null;
}

const runColumns = {
  run: replayRuns,
  datasetName: datasets.name,
  datasetVersion: datasets.version,
};

function runView(row: { run: ReplayRunRow; datasetName: string | null; datasetVersion: number | null }): ReplayRunView {
  const { run } = row;
  return {
    id: run.id,
    datasetId: run.datasetId,
    datasetName: row.datasetName,
    datasetVersion: row.datasetVersion,
    auditId: run.auditId,
    systemPrompt: fromDbTextOrNull(run.candidate.systemPrompt),
    endpoint: run.candidate.endpoint,
    model: run.candidate.model,
    state: run.state,
    total: run.total,
    completed: run.completed,
    failed: run.failed,
    promptTokens: run.promptTokens,
    completionTokens: run.completionTokens,
    costUsd: run.costUsd,
    budgetUsd: run.budgetUsd,
    budgetTokens: run.budgetTokens,
    createdByName: run.createdByName,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    cancelRequested: run.cancelRequestedAt !== null,
  };
}

export async function listReplays(db: Database, limit = 100): Promise<ReplayRunView[]> {
  const rows = await db
    .select(runColumns)
    .from(replayRuns)
    .leftJoin(datasets, eq(datasets.id, replayRuns.datasetId))
    .orderBy(desc(replayRuns.createdAt))
    .limit(limit);
  return rows.map(runView);
}

export async function getReplay(db: Database, id: string): Promise<{ run: ReplayRunView; results: ReplayResultView[] } | null> {
  const [row] = await db
    .select(runColumns)
    .from(replayRuns)
    .leftJoin(datasets, eq(datasets.id, replayRuns.datasetId))
    .where(eq(replayRuns.id, id));
  if (!row) return null;
  const results = await db
    .select({
      result: replayResults,
      original: turns.assistantText,
      originalPromptTokens: turns.promptTokens,
      originalCompletionTokens: turns.completionTokens,
      originalLatencyMs: turns.totalMs,
      correction: reviewCorrections.text,
    })
    .from(replayResults)
    .leftJoin(turns, eq(turns.auditId, replayResults.auditId))
    .leftJoin(reviewCorrections, eq(reviewCorrections.auditId, replayResults.auditId))
    .where(eq(replayResults.runId, id))
    .orderBy(asc(replayResults.position));
  return {
    run: runView(row),
    results: results.map(({ result, ...turn }) => ({
      position: result.position,
      auditId: result.auditId,
      status: result.status,
      original: fromDbTextOrNull(turn.original),
      correction: fromDbTextOrNull(turn.correction),
      candidate: result.candidateText === null ? null : fromDbText(result.candidateText),
      errorCode: result.errorCode,
      promptTokens: result.promptTokens,
      completionTokens: result.completionTokens,
      latencyMs: result.latencyMs,
      costUsd: result.costUsd,
      originalPromptTokens: turn.originalPromptTokens,
      originalCompletionTokens: turn.originalCompletionTokens,
      originalLatencyMs: turn.originalLatencyMs,
    })),
  };
}
