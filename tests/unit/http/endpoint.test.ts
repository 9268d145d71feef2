import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { endpoint } from '@/lib/http/endpoint';
import { setLogSink } from '@/lib/observability/log';
import type { Runtime } from '@/lib/runtime';
import { issueSessionId, sessionIdSchema } from '@/lib/session-id';

const SECRET = 'endpoint-test-secret-0123456789abcdef0123';
const runtime = { config: { sessionSecret: SECRET, identity: { required: false } } } as unknown as Runtime;

function post(body: unknown, type = 'application/json'): Request {
  return new Request('http://t/api/x', {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function errorOf(response: Response): Promise<{ status: number; code: string; cache: string | null }> {
  const body = (await response.json()) as { error: { code: string } };
  return { status: response.status, code: body.error.code, cache: response.headers.get('cache-control') };
}

function customerEndpoint(countsInvalid = false) {
  const limit = vi.fn(async () => undefined);
  const work = vi.fn(async () => Response.json({ ok: true }));
  const handler = endpoint(
    {
      auth: { kind: 'customer' },
      body: { schema: z.strictObject({ sessionId: sessionIdSchema }), maxBytes: 256 },
      limit: { check: limit, countsInvalid },
    },
    work,
  );
  return { handler, limit, work };
}

describe('an endpoint', () => {
  it('refuses malformed, oversized and forged requests with the one error shape, before its limit counts them', async () => {
    const { handler, limit, work } = customerEndpoint();
    expect(await errorOf(await handler(post('{'), runtime))).toEqual({
      status: 400,
      code: 'invalid_json',
      cache: 'no-store',
    });
    expect(await errorOf(await handler(post({ sessionId: 'x' }, 'text/plain'), runtime))).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
    });
    expect(await errorOf(await handler(post({ sessionId: 'x'.repeat(300) }), runtime))).toMatchObject({
      status: 413,
      code: 'payload_too_large',
    });
    expect(await errorOf(await handler(post({ sessionId: 'x', extra: 1 }), runtime))).toMatchObject({
      status: 400,
      code: 'unknown_field',
    });
    expect(await errorOf(await handler(post({ sessionId: 'x'.repeat(200) }), runtime))).toMatchObject({
      status: 400,
      code: 'invalid_request',
    });
    expect(await errorOf(await handler(post({ sessionId: 'not-issued' }), runtime))).toMatchObject({
      status: 400,
      code: 'invalid_session',
    });
    expect(limit).not.toHaveBeenCalled();
    expect(work).not.toHaveBeenCalled();

    const response = await handler(post({ sessionId: issueSessionId(SECRET) }), runtime);
    expect(response.status).toBe(200);
    expect(limit).toHaveBeenCalledTimes(1);
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('counts invalid requests too when its limit says so, and answers its 429 with Retry-After', async () => {
    const { handler, limit, work } = customerEndpoint(true);
    expect((await handler(post('{'), runtime)).status).toBe(400);
    expect(limit).toHaveBeenCalledTimes(1);
    limit.mockRejectedValueOnce(
      Object.assign(new Error('Too many requests.'), {
        name: 'ApiError',
        status: 429,
        code: 'rate_limited',
        headers: { 'retry-after': '7' },
      }),
    );
    const refused = await handler(post({ sessionId: issueSessionId(SECRET) }), runtime);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(work).not.toHaveBeenCalled();
  });

  it('answers an unexpected failure as a 500 that says nothing about it', async () => {
    const handler = endpoint({ auth: { kind: 'public' } }, async () => {
      throw new Error('postgres://user:secret@db/tether is down');
    });
    const lines: string[] = [];
    setLogSink((line) => lines.push(line));
    const response = await handler(new Request('http://t/api/x'), runtime).finally(() => setLogSink(null));
    expect(response.status).toBe(500);
    // The operator still learns what happened, from the JSON log.
    expect(lines.map((line) => JSON.parse(line) as { level: string; msg: string })).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'unexpected error' }),
    );
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'internal_error' } });
    expect(text).not.toContain('secret');
  });
});
