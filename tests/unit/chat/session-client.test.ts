import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ChatApiError,
  createSession,
  isIdentityError,
  loadMessages,
  sendMessage,
  type TurnEvent,
} from '@/components/chat/session-client';

const REQUEST = { sessionId: 's1', text: 'Hi', messageId: '2f0c6f2e-5a4b-4d2c-9a51-3f1c2b7d8e90' };

function sse(body: string): Response {
  return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
}

function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

function stubFetch(answer: Response | Error) {
  const fetchMock = vi.fn(async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

async function collect(events: AsyncIterable<TurnEvent>): Promise<TurnEvent[]> {
  const seen: TurnEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

async function failure(promise: Promise<unknown>): Promise<ChatApiError> {
  const error: unknown = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  if (!(error instanceof ChatApiError)) throw new Error(`expected a ChatApiError, got ${String(error)}`);
  return error;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('sendMessage', () => {
  it('posts exactly sessionId, text and messageId and asks for a stream', async () => {
    const fetchMock = stubFetch(sse('event: done\ndata: {"auditId":"a","reply":"ok","remembered":true}\n\n'));
    await collect(sendMessage(REQUEST));
    expect(fetchMock).toHaveBeenCalledWith(
      '/api/chat',
      expect.objectContaining({
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify(REQUEST),
      }),
    );
  });

  it('yields meta, deltas and done', async () => {
    stubFetch(
      sse(
        'event: meta\ndata: {"auditId":"a","memory":"new","notice":null,"replay":false}\n\n' +
          'event: delta\ndata: {"text":"o"}\n\n' +
          'event: delta\ndata: {"text":"k"}\n\n' +
          'event: done\ndata: {"auditId":"a","reply":"ok","remembered":true}\n\n',
      ),
    );
    expect((await collect(sendMessage(REQUEST))).map((e) => e.event)).toEqual(['meta', 'delta', 'delta', 'done']);
  });

  it('throws the server code, message and status for a 4xx answer', async () => {
    stubFetch(jsonError(400, 'invalid_session', 'Start a new conversation.'));
    const error = await failure(collect(sendMessage(REQUEST)));
    expect(error).toMatchObject({ code: 'invalid_session', message: 'Start a new conversation.', status: 400 });
  });

  it('carries Retry-After of a 429, so the page can say when to try again', async () => {
    stubFetch(
      Response.json({ error: { code: 'rate_limited', message: 'Slow down.' } }, { status: 429, headers: { 'Retry-After': '12' } }),
    );
    const error = await failure(collect(sendMessage(REQUEST)));
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryAfterSec: 12 });
  });

  it('throws an error event as a ChatApiError', async () => {
    stubFetch(sse('event: delta\ndata: {"text":"par"}\n\nevent: error\ndata: {"code":"model_error","message":"Try again."}\n\n'));
    const error = await failure(collect(sendMessage(REQUEST)));
    expect(error).toMatchObject({ code: 'model_error', message: 'Try again.', status: 200 });
  });

  it('reports a stream that ends before done as interrupted', async () => {
    stubFetch(sse('event: delta\ndata: {"text":"par"}\n\n'));
    expect((await failure(collect(sendMessage(REQUEST)))).code).toBe('stream_interrupted');
  });

  it('reports a failed fetch as a network error with status 0', async () => {
    stubFetch(new TypeError('Failed to fetch'));
    expect(await failure(collect(sendMessage(REQUEST)))).toMatchObject({ code: 'network_error', status: 0 });
  });

  it('reports a non-JSON error body without losing the status', async () => {
    stubFetch(new Response('<html>Bad gateway</html>', { status: 502 }));
    expect(await failure(collect(sendMessage(REQUEST)))).toMatchObject({ code: 'bad_response', status: 502 });
  });
});

describe('createSession and loadMessages', () => {
  it('returns the new session', async () => {
    stubFetch(Response.json({ sessionId: 's2', expiresAt: '2030-01-01T00:00:00.000Z' }, { status: 201 }));
    expect(await createSession()).toEqual({ sessionId: 's2', expiresAt: '2030-01-01T00:00:00.000Z', identity: null });
  });

  it('anonymous: sends no body at all', async () => {
    const fetchMock = stubFetch(Response.json({ sessionId: 's2', expiresAt: '2030-01-01T00:00:00.000Z' }, { status: 201 }));
    await createSession();
    const init = (fetchMock.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect(init.body).toBeUndefined();
  });

  it('signed in: the token goes in the body (never the URL) and the verified identity comes back', async () => {
    const fetchMock = stubFetch(
      Response.json(
        { sessionId: 's3', expiresAt: '2030-01-01T00:00:00.000Z', identity: { sub: 'u-42', name: 'Ada', email: 'ada@example.com' } },
        { status: 201 },
      ),
    );
    expect(await createSession({ userToken: 'jwt.token.here' })).toEqual({
      sessionId: 's3',
      expiresAt: '2030-01-01T00:00:00.000Z',
      identity: { sub: 'u-42', name: 'Ada', email: 'ada@example.com' },
    });
    expect(fetchMock).toHaveBeenCalledWith(
      '/api/session',
      expect.objectContaining({ method: 'POST', body: JSON.stringify({ userToken: 'jwt.token.here' }) }),
    );
  });

  it('asks for a fresh conversation of the signed-in customer with newConversation', async () => {
    const fetchMock = stubFetch(Response.json({ sessionId: 's4', expiresAt: '2030-01-01T00:00:00.000Z', identity: { sub: 'u' } }, { status: 201 }));
    await createSession({ userToken: 't', newConversation: true });
    expect(fetchMock).toHaveBeenCalledWith('/api/session', expect.objectContaining({ body: JSON.stringify({ userToken: 't', newConversation: true }) }));
  });

  it.each(['invalid_identity', 'identity_expired', 'identity_required'])('a refused token is an identity error (%s)', async (code) => {
    stubFetch(jsonError(401, code, 'Please sign in again.'));
    const error = await failure(createSession({ userToken: 't' }));
    expect(error).toMatchObject({ code, status: 401 });
    expect(isIdentityError(error)).toBe(true);
  });

  it('a rating on a remembered reply comes back; a made-up rating is refused', async () => {
    const body = {
      sessionId: 's1',
      memory: 'ok',
      notice: null,
      messages: [{ role: 'assistant', text: 'Hello', at: '2030-01-01T00:00:00.000Z', auditId: 'a', rating: 'up' }],
    };
    stubFetch(Response.json(body));
    expect((await loadMessages('s1')).messages[0]?.rating).toBe('up');
    stubFetch(Response.json({ ...body, messages: [{ ...body.messages[0], rating: 'meh' }] }));
    expect(await failure(loadMessages('s1'))).toMatchObject({ code: 'bad_response' });
  });

  it('returns the remembered conversation', async () => {
    const body = {
      sessionId: 's1',
      memory: 'ok',
      notice: null,
      messages: [{ role: 'user', text: 'Hi', at: '2030-01-01T00:00:00.000Z', auditId: 'a' }],
    };
    const fetchMock = stubFetch(Response.json(body));
    expect(await loadMessages('s1')).toEqual(body);
    // The bearer id goes in the body, never into the URL.
    expect(fetchMock).toHaveBeenCalledWith(
      '/api/session/messages',
      expect.objectContaining({ method: 'POST', body: JSON.stringify({ sessionId: 's1' }) }),
    );
  });

  it('throws invalid_session for a forged id', async () => {
    stubFetch(jsonError(404, 'invalid_session', 'Unknown conversation.'));
    expect(await failure(loadMessages('forged'))).toMatchObject({ code: 'invalid_session', status: 404 });
  });
});
