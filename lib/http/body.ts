import { ApiError } from '@/lib/errors';

/** The body as JSON: 415 unless declared application/json, 413 past `limitBytes`, 400 `invalid_json`. */
export async function readJsonBody(request: Request, limitBytes: number): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'Send the request as application/json.');
  }
  const text = await readLimited(request, limitBytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

/** The body as text, refused with 413 as soon as it passes `limitBytes` (declared or streamed). */
export async function readLimited(request: Request, limitBytes: number): Promise<string> {
  if (Number(request.headers.get('content-length') ?? '0') > limitBytes) throw tooLarge();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(): ApiError {
  return new ApiError(413, 'payload_too_large', 'The request body is too large.');
}
