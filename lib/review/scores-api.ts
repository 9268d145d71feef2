import 'server-only';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { sessions } from '@/lib/db/schema';
import { ApiError } from '@/lib/errors';
import { ADMIN_BODY_MAX_BYTES, endpoint } from '@/lib/http/endpoint';
import { CORRECTION_MAX_CHARS, correctionRequestSchema, removeCorrection, setCorrection } from '@/lib/review/corrections';
import {
  changeCriterion,
  createCriterion,
  criterionChangeSchema,
  criterionKeySchema,
  newCriterionSchema,
  removeCriterion,
} from '@/lib/review/rubric';
import { readScores, scoreRequestSchema, setScore } from '@/lib/review/scores';
import { SESSION_REF_PATTERN } from '@/lib/session-ref';

/**
 * The review API for scores, corrections and the rubric. Agents score and correct; only admins change
 * the rubric (an agent gets 403 from the endpoint's auth). Each change is in the access log.
 */

/** A conversation by its reference (lib/review does not import lib/admin, so it looks sessions up itself). */
async function requireSession(db: Database, ref: string): Promise<string> {
  if (!SESSION_REF_PATTERN.test(ref)) throw new ApiError(404, 'not_found', 'No such session.');
  const [row] = await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.ref, ref));
  if (!row) throw new ApiError(404, 'not_found', 'No such session.');
  return row.id;
}

/** PUT /api/admin/review/scores {ref, auditId|null, criterionId, value|null}: the conversation's scores after the change. */
export const scoreEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'agent', mutation: true, action: 'review_score' },
    body: { schema: scoreRequestSchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ body, db, agent }) => {
    const sessionId = await requireSession(db, body.ref);
    const { value } = await setScore(db, agent, { sessionId, auditId: body.auditId, criterionId: body.criterionId, value: body.value });
    return Response.json({ value, scores: await readScores(db, sessionId) });
  },
);

const auditIdSchema = z.uuid();

/** PUT /api/admin/review/corrections/{auditId} {text}: writes or replaces the reply's correction. */
export const putCorrectionEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'agent', mutation: true, action: 'review_correction' },
    param: auditIdSchema,
    // The text may be CORRECTION_MAX_CHARS characters of four UTF-8 bytes each, JSON-escaped.
    body: { schema: correctionRequestSchema, maxBytes: Math.max(ADMIN_BODY_MAX_BYTES, CORRECTION_MAX_CHARS * 12) },
  },
  async ({ param: auditId, body, db, agent }) => Response.json(await setCorrection(db, agent, auditId, body.text)),
);

/** DELETE /api/admin/review/corrections/{auditId}: removes it (the original reply was never changed). */
export const deleteCorrectionEndpoint = endpoint(
  { auth: { kind: 'agent', role: 'agent', mutation: true, action: 'review_correction' }, param: auditIdSchema },
  async ({ param: auditId, db, agent }) => {
    await removeCorrection(db, agent, auditId);
    return new Response(null, { status: 204 });
  },
);

/** POST /api/admin/review/rubric {key, label, description, kind, scaleMin?, scaleMax?, appliesTo}: a new criterion (admin). */
export const createCriterionEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'admin', mutation: true, action: 'rubric_change' },
    body: { schema: newCriterionSchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ body, db, agent }) => Response.json(await createCriterion(db, agent, body), { status: 201 }),
);

/** PATCH /api/admin/review/rubric/{key}: the criterion's next version (admin); old scores keep theirs. */
export const changeCriterionEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'admin', mutation: true, action: 'rubric_change' },
    param: criterionKeySchema,
    body: { schema: criterionChangeSchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ param: key, body, db, agent }) => Response.json(await changeCriterion(db, agent, key, body)),
);

/** DELETE /api/admin/review/rubric/{key}: retires the criterion (admin). */
export const removeCriterionEndpoint = endpoint(
  { auth: { kind: 'agent', role: 'admin', mutation: true, action: 'rubric_change' }, param: criterionKeySchema },
  async ({ param: key, db, agent }) => Response.json(await removeCriterion(db, agent, key)),
);
