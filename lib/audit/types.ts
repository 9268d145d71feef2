import { z } from 'zod';
import { MEMORY_STATUSES, TURN_STATUSES } from '@/lib/db/schema';

/**
 * One turn as the audit trail records it. The same shape is written twice (when the turn starts,
 * status `pending`, and when it ends), goes through the outbox as JSON when Postgres is down, and is
 * applied idempotently on its audit id, so replays and out-of-order arrivals are harmless.
 */
export const turnRecordSchema = z.object({
  auditId: z.uuid(),
  sessionId: z.string().min(1),
  messageId: z.string().nullable(),
  userText: z.string(),
  assistantText: z.string().nullable(),
  status: z.enum(TURN_STATUSES),
  memoryStatus: z.enum(MEMORY_STATUSES),
  errorCode: z.string().nullable(),
  errorClass: z.string().nullable(),
  model: z.string(),
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
  ttftMs: z.number().int().nullable(),
  totalMs: z.number().int().nullable(),
  contextAuditIds: z.array(z.string()),
  promptMessages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
  client: z.object({
    userAgent: z.string().nullable(),
    ipHash: z.string().nullable(),
    origin: z.string().nullable(),
  }),
});

export type TurnRecord = z.infer<typeof turnRecordSchema>;
