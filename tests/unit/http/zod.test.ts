import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isApiError } from '@/lib/errors';
import { apiErrorFromZod, parseInput } from '@/lib/http/zod';

function refusal(run: () => unknown): { status: number; code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isApiError(error)) return { status: error.status, code: error.code, message: error.message };
    throw error;
  }
  throw new Error('accepted');
}

const schema = z.strictObject({ sessionId: z.string(), auditId: z.uuid() });

describe('the one Zod-to-ApiError mapper', () => {
  it('names unknown fields as unknown_field, whatever the wording', () => {
    expect(
      refusal(() => parseInput(schema, { sessionId: 's', auditId: crypto.randomUUID(), extra: 1, more: 2 })),
    ).toEqual({
      status: 400,
      code: 'unknown_field',
      message: 'Unknown fields: "extra", "more".',
    });
    expect(
      refusal(() =>
        parseInput(z.strictObject({ inner: z.strictObject({ a: z.string() }) }), { inner: { a: 'x', b: 1 } }),
      ),
    ).toMatchObject({
      code: 'unknown_field',
      message: 'Unknown field in inner: "b".',
    });
    expect(
      refusal(() => parseInput(schema, { sessionId: 's', extra: 1 }, { expected: '{"sessionId": string}' })),
    ).toMatchObject({
      code: 'unknown_field',
      message: 'Expected {"sessionId": string}.',
    });
    expect(
      refusal(() => parseInput(schema, { extra: 1 }, { expected: '…', allowed: ['sessionId', 'text', 'messageId'] })),
    ).toMatchObject({
      code: 'unknown_field',
      message: 'Only "sessionId", "text" and "messageId" may be sent; remove: "extra".',
    });
  });

  it('tells any other mismatch as invalid_request: the first issue, the expected shape, or both', () => {
    const bad = { sessionId: 's', auditId: 'not-a-uuid' };
    expect(refusal(() => parseInput(schema, bad))).toEqual({
      status: 400,
      code: 'invalid_request',
      message: 'auditId: Invalid UUID',
    });
    expect(refusal(() => parseInput(schema, bad, { expected: '{…}' }))).toMatchObject({
      code: 'invalid_request',
      message: 'Expected {…}.',
    });
    expect(refusal(() => parseInput(schema, bad, { expected: '{…}', detail: true }))).toMatchObject({
      code: 'invalid_request',
      message: 'auditId: Invalid UUID. Expected {…}.',
    });
    expect(refusal(() => parseInput(z.uuid(), 'x'))).toMatchObject({
      code: 'invalid_request',
      message: 'Invalid UUID',
    });
  });

  it('passes valid input through as the schema reads it', () => {
    const auditId = crypto.randomUUID();
    expect(parseInput(schema, { sessionId: 's', auditId })).toEqual({ sessionId: 's', auditId });
    const parsed = schema.safeParse({});
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(apiErrorFromZod(parsed.error).code).toBe('invalid_request');
  });
});
