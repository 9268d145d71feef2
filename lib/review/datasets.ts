import { and, asc, desc, eq, gt, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { promptHash } from '@/lib/audit/sink';
import { redactText } from '@/lib/audit/redact';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import {
  datasetItems,
  datasets,
  type DatasetRow,
  reviewCorrections,
  reviewItems,
  reviewScores,
  rubricCriteria,
  type StoredPromptMessage,
  turns,
} from '@/lib/db/schema';
import { fromDbText, toDbText } from '@/lib/db/text';
import { ApiError } from '@/lib/errors';

/**
 * Versioned datasets of reviewed turns (docs/review.md, "Datasets"). A dataset version is frozen when
 * it is made: each item keeps its JSONL record exactly as it is exported, so a later correction, score
 * or retention run does not change what a replay or an eval tool was given (deleting the conversation
 * does remove its items: dataset_items cascades with the turn).
 *
 * What is selected (kept simple on purpose): assistant replies (a turn with reply text) that were
 * reviewed, i.e. the reply has a correction, or it has per-reply scores, or its conversation's review
 * item is done; optionally only turns of a period, only those scored on one criterion, or only
 * corrected ones. A turn whose stored prompt no longer matches its hash is refused (left out and
 * listed in `selection.refused`): a dataset never carries a prompt it cannot vouch for.
 *
 * No record holds the conversation's id or its reference (sessions.id): only the turn's audit id.
 */

export const DATASET_MAX_ITEMS = 5000;

const nameSchema = z
  .string()
  .trim()
  .min(1, 'give the dataset a name')
  .max(80)
  .regex(/^[\p{L}\p{N} ._-]+$/u, 'letters, digits, spaces, . _ and - only');

export const createDatasetSchema = z.strictObject({
  name: nameSchema,
  description: z.string().max(500).default(''),
  /** Turns from this instant on (ISO 8601). */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Turns before this instant. */
  to: z.iso.datetime({ offset: true }).optional(),
  /** Only replies scored on this criterion (its key, any version). */
  criterion: z
    .string()
    .regex(/^[a-z0-9_-]{1,60}$/)
    .optional(),
  /** Only replies that have a correction. */
  correctedOnly: z.boolean().default(false),
  /** Mask e-mails, phones, cards and IBANs in the messages, the reply and the correction. */
  mask: z.boolean().default(false),
});

export type CreateDatasetInput = z.infer<typeof createDatasetSchema>;

/** One score in a record: what the criterion meant when it was given (its exact version). */
export interface RecordScore {
  criterion: string;
  version: number;
  label: string;
  kind: string;
  scale_min: number;
  scale_max: number;
  value: number;
  reviewer: string;
}

/**
 * One JSONL line. `input` and `ideal` are what OpenAI evals' match/model-graded evals read (and what
 * promptfoo, Braintrust and Langfuse imports map as input / expected); everything else is in `metadata`.
 */
export interface DatasetRecord {
  input: StoredPromptMessage[];
  /** The correction when there is one, else the original reply. */
  ideal: string;
  metadata: {
    audit_id: string;
    model: string;
    created_at: string;
    reply: string;
    correction: { text: string; author: string; updated_at: string } | null;
    ideal_source: 'correction' | 'original';
    scores: RecordScore[];
    /** SHA-256 of the messages as recorded (hex); checked against the stored hash when the dataset was made. */
    prompt_sha256: string;
    prompt_verified: true;
    /** Personal data was masked in this record (input, reply, correction). */
    masked: boolean;
  };
}

export interface DatasetSummary {
  id: string;
  name: string;
  version: number;
  description: string;
  itemCount: number;
  redacted: boolean;
  createdAt: Date;
  createdByName: string | null;
  selection: Record<string, unknown>;
}

interface Candidate {
  auditId: string;
  model: string;
  createdAt: Date;
  reply: string;
  messages: StoredPromptMessage[];
  hash: string;
  correction: { text: string; author: string; updatedAt: Date } | null;
}

/** Every string in the stored text form (jsonb refuses NUL and lone surrogates), and back. */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return toDbText(value);
  if (Array.isArray(value)) return value.map(storable);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, storable(v)]));
  return value;
}

function readable(value: unknown): unknown {
  if (typeof value === 'string') return fromDbText(value);
  if (Array.isArray(value)) return value.map(readable);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readable(v)]));
  return value;
}

/** The record as exported: jsonb reorders keys, so the line is rebuilt in the documented order. */
export function recordFromStored(stored: Record<string, unknown>): DatasetRecord {
  const record = readable(stored) as DatasetRecord;
  return {
    input: record.input.map(({ role, content }) => ({ role, content })),
    ideal: record.ideal,
    metadata: record.metadata,
  };
}

function selectionWhere(input: CreateDatasetInput): SQL {
  const reviewed = sql`(
    exists (select 1 from ${reviewCorrections} c where c.audit_id = ${turns.auditId})
    or exists (select 1 from ${reviewScores} s where s.audit_id = ${turns.auditId})
    or exists (select 1 from ${reviewItems} i where i.session_id = ${turns.sessionId} and i.state = 'done')
  )`;
  const parts: SQL[] = [sql`${turns.assistantText} is not null`, sql`${turns.assistantText} <> ''`, reviewed];
  if (input.from) parts.push(gte(turns.createdAt, new Date(input.from)));
  if (input.to) parts.push(lt(turns.createdAt, new Date(input.to)));
  if (input.criterion) {
    parts.push(sql`exists (select 1 from ${reviewScores} s join ${rubricCriteria} r on r.id = s.criterion_id
      where s.audit_id = ${turns.auditId} and r.key = ${input.criterion})`);
  }
  if (input.correctedOnly) parts.push(sql`exists (select 1 from ${reviewCorrections} c where c.audit_id = ${turns.auditId})`);
  return and(...parts) as SQL;
}

async function selectCandidates(db: Database, input: CreateDatasetInput): Promise<Candidate[]> {
  const rows = await db
    .select({
      auditId: turns.auditId,
      model: turns.model,
      createdAt: turns.createdAt,
      reply: turns.assistantText,
      messages: turns.promptMessages,
      hash: turns.promptHash,
      correctionText: reviewCorrections.text,
      correctionAuthor: reviewCorrections.authorName,
      correctionUpdatedAt: reviewCorrections.updatedAt,
    })
    .from(turns)
    .leftJoin(reviewCorrections, eq(reviewCorrections.auditId, turns.auditId))
    .where(selectionWhere(input))
    .orderBy(asc(turns.createdAt), asc(turns.auditId))
    .limit(DATASET_MAX_ITEMS + 1);
  if (rows.length > DATASET_MAX_ITEMS) {
    throw new ApiError(422, 'invalid_request', `More than ${DATASET_MAX_ITEMS} turns match: narrow the period or the criterion.`);
  }
  return rows.map((row) => ({
    auditId: row.auditId,
    model: row.model,
    createdAt: row.createdAt,
    reply: fromDbText(row.reply ?? ''),
    // In the key order (role, content) and text form the hash was computed over (as lib/admin/prompt.ts).
    messages: row.messages.map(({ role, content }) => ({ role, content: fromDbText(content) })),
    hash: row.hash,
    correction:
      row.correctionText !== null && row.correctionUpdatedAt !== null
        ? { text: fromDbText(row.correctionText), author: row.correctionAuthor ?? '', updatedAt: row.correctionUpdatedAt }
        : null,
  }));
}

async function scoresOf(db: Database, auditIds: string[]): Promise<Map<string, RecordScore[]>> {
  const byTurn = new Map<string, RecordScore[]>();
  if (auditIds.length === 0) return byTurn;
  const rows = await db
    .select({
      auditId: reviewScores.auditId,
      key: rubricCriteria.key,
      version: rubricCriteria.version,
      label: rubricCriteria.label,
      kind: rubricCriteria.kind,
      scaleMin: rubricCriteria.scaleMin,
      scaleMax: rubricCriteria.scaleMax,
      value: reviewScores.value,
      reviewer: reviewScores.reviewerName,
    })
    .from(reviewScores)
    .innerJoin(rubricCriteria, eq(rubricCriteria.id, reviewScores.criterionId))
    .where(inArray(reviewScores.auditId, auditIds))
    .orderBy(asc(rubricCriteria.position), asc(rubricCriteria.key), asc(reviewScores.reviewerName));
  for (const row of rows) {
    if (!row.auditId) continue;
    const list = byTurn.get(row.auditId) ?? [];
    list.push({
      criterion: row.key,
      version: row.version,
      label: fromDbText(row.label),
      kind: row.kind,
      scale_min: row.scaleMin,
      scale_max: row.scaleMax,
      value: row.value,
      reviewer: fromDbText(row.reviewer),
    });
    byTurn.set(row.auditId, list);
  }
  return byTurn;
}

/** Stored turns are already masked under AUDIT_REDACT=mask; a correction is an agent's text and is masked here. */
export function buildRecord(
  turn: Candidate,
  scores: RecordScore[],
  options: { maskAll: boolean; maskCorrection: boolean },
): DatasetRecord {
  const mask = (text: string) => redactText(text).text;
  const input = options.maskAll ? turn.messages.map((m) => ({ role: m.role, content: mask(m.content) })) : turn.messages;
  const reply = options.maskAll ? mask(turn.reply) : turn.reply;
  const correction = turn.correction
    ? {
        text: options.maskAll || options.maskCorrection ? mask(turn.correction.text) : turn.correction.text,
        author: turn.correction.author,
        updated_at: turn.correction.updatedAt.toISOString(),
      }
    : null;
  return {
    input,
    ideal: correction?.text ?? reply,
    metadata: {
      audit_id: turn.auditId,
      model: turn.model,
      created_at: turn.createdAt.toISOString(),
      reply,
      correction,
      ideal_source: correction ? 'correction' : 'original',
      scores,
      prompt_sha256: turn.hash,
      prompt_verified: true,
      masked: options.maskAll,
    },
  };
}

export interface CreatedDataset {
  dataset: DatasetSummary;
  /** Turns left out because their stored prompt no longer matches its hash. */
  refused: string[];
}

/**
 * Makes the next version of the named dataset from the reviewed turns the selection matches.
 * `auditRedact`: the deployment's AUDIT_REDACT (under `mask`, corrections are masked too).
 */
export async function createDataset(
  db: Database,
  agent: Pick<AgentIdentity, 'id' | 'name' | 'email'>,
  input: CreateDatasetInput,
  auditRedact: 'off' | 'mask',
): Promise<CreatedDataset> {
  const candidates = await selectCandidates(db, input);
  const verified = candidates.filter((turn) => promptHash(turn.messages) === turn.hash);
  const refused = candidates.filter((turn) => promptHash(turn.messages) !== turn.hash).map((turn) => turn.auditId);
  if (verified.length === 0) {
    throw new ApiError(
      422,
      'nothing_selected',
      refused.length > 0
        ? 'Every matching turn failed its prompt hash check, so nothing was stored.'
        : 'No reviewed reply matches: a reply needs a correction, a score, or a conversation marked done.',
    );
  }
  const scores = await scoresOf(
    db,
    verified.map((turn) => turn.auditId),
  );
  const options = { maskAll: input.mask, maskCorrection: auditRedact === 'mask' };
  const records = verified.map((turn) => buildRecord(turn, scores.get(turn.auditId) ?? [], options));
  const selection = {
    rule: 'reviewed replies: corrected, scored, or in a conversation marked done',
    ...(input.from ? { from: input.from } : {}),
    ...(input.to ? { to: input.to } : {}),
    ...(input.criterion ? { criterion: input.criterion } : {}),
    correctedOnly: input.correctedOnly,
    mask: input.mask,
    auditRedact,
    refused,
  };
  const name = input.name.normalize('NFC');
  const row = await db.transaction(async (tx) => {
    // Two admins saving the same name at once get consecutive versions, not a unique-index error.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`tether-dataset:${name}`}))`);
    const [latest] = await tx
      .select({ version: datasets.version })
      .from(datasets)
      .where(eq(datasets.name, name))
      .orderBy(desc(datasets.version))
      .limit(1);
    const [created] = await tx
      .insert(datasets)
      .values({
        name,
        version: (latest?.version ?? 0) + 1,
        description: toDbText(input.description.trim()),
        selection: storable(selection) as Record<string, unknown>,
        itemCount: records.length,
        redacted: input.mask || auditRedact === 'mask',
        createdBy: agent.id,
        createdByName: agent.name?.trim() || agent.email,
      })
      .returning();
    if (!created) throw new Error('dataset insert returned nothing');
    for (let start = 0; start < records.length; start += 200) {
      await tx.insert(datasetItems).values(
        records.slice(start, start + 200).map((record, index) => ({
          datasetId: created.id,
          position: start + index + 1,
          auditId: record.metadata.audit_id,
          record: storable(record) as Record<string, unknown>,
        })),
      );
    }
    return created;
  });
  return { dataset: summary(row), refused };
}

function summary(row: DatasetRow): DatasetSummary {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    description: fromDbText(row.description),
    itemCount: row.itemCount,
    redacted: row.redacted,
    createdAt: row.createdAt,
    createdByName: row.createdByName,
    selection: readable(row.selection) as Record<string, unknown>,
  };
}

/** Newest first; every version is its own row. */
export async function listDatasets(db: Database, limit = 200): Promise<DatasetSummary[]> {
  const rows = await db.select().from(datasets).orderBy(desc(datasets.createdAt), desc(datasets.version)).limit(limit);
  return rows.map(summary);
}

export async function getDataset(db: Database, id: string): Promise<DatasetSummary | null> {
  const [row] = await db.select().from(datasets).where(eq(datasets.id, id));
  return row ? summary(row) : null;
}

export interface DatasetItemView {
  position: number;
  auditId: string;
  record: DatasetRecord;
}

/** A page of a dataset's items, by position. */
export async function listDatasetItems(db: Database, datasetId: string, after = 0, limit = 100): Promise<DatasetItemView[]> {
  const rows = await db
    .select()
    .from(datasetItems)
    .where(and(eq(datasetItems.datasetId, datasetId), gt(datasetItems.position, after)))
    .orderBy(asc(datasetItems.position))
    .limit(limit);
  return rows.map((row) => ({ position: row.position, auditId: row.auditId, record: recordFromStored(row.record) }));
}

/** The items' audit ids in order (what a replay runs). */
export async function datasetAuditIds(db: Database, datasetId: string): Promise<Array<{ position: number; auditId: string }>> {
  return db
    .select({ position: datasetItems.position, auditId: datasetItems.auditId })
    .from(datasetItems)
    .where(eq(datasetItems.datasetId, datasetId))
    .orderBy(asc(datasetItems.position));
}

const EXPORT_BATCH = 200;

/** The dataset as JSONL, read in batches as the client takes them (the first batch before the response). */
export async function datasetJsonlStream(db: Database, datasetId: string): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  let after = 0;
  let first: DatasetItemView[] | null = await listDatasetItems(db, datasetId, 0, EXPORT_BATCH);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const batch = first ?? (await listDatasetItems(db, datasetId, after, EXPORT_BATCH));
      first = null;
      if (batch.length === 0) {
        controller.close();
        return;
      }
      after = batch[batch.length - 1]?.position ?? after;
      controller.enqueue(encoder.encode(batch.map((item) => `${JSON.stringify(item.record)}\n`).join('')));
    },
  });
}

/** The current criteria (key and label), for the "scored on" filter. */
export async function currentCriteria(db: Database): Promise<Array<{ key: string; label: string }>> {
  const rows = await db
    .select({ key: rubricCriteria.key, label: rubricCriteria.label })
    .from(rubricCriteria)
    .where(sql`${rubricCriteria.retiredAt} is null`)
    .orderBy(asc(rubricCriteria.position), asc(rubricCriteria.key));
  return rows.map((row) => ({ key: row.key, label: fromDbText(row.label) }));
}
