/**
 * The mock model is only useful if the real `openai` SDK accepts what it sends, so every check here
 * goes through the SDK (or, for the control API, plain fetch as another process would use it).
 */
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockModel, type MockModel } from '../../support/mock-model';

let model: MockModel;

beforeAll(async () => {
  model = await startMockModel();
});
afterAll(async () => {
  await model.close();
});
beforeEach(() => {
  model.reset();
});

function sdk(maxRetries = 2, timeout?: number): OpenAI {
  return new OpenAI({ apiKey: 'test', baseURL: model.url, maxRetries, ...(timeout ? { timeout } : {}) });
}

const conversation: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are a support agent.' },
  { role: 'user', content: 'My order has not arrived.' },
  { role: 'assistant', content: 'Sorry to hear that. What is the order number?' },
  { role: 'user', content: 'It is 12345.' },
];

describe('mock model', () => {
  it('answers a plain completion with a deterministic reply and usage', async () => {
    const completion = await sdk().chat.completions.create({ model: 'm', messages: conversation });

    const content = completion.choices[0]?.message.content;
    expect(content).toBe('Mock reply to: It is 12345. (saw 4 messages)');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.model).toBe('m');
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
  });

  it('streams deltas that add up to the reply, then usage when include_usage is asked', async () => {
    model.setBehaviour({ reply: 'The quick brown fox jumps over the lazy dog.', chunkSize: 5 });
    const stream = await sdk().chat.completions.create({
      model: 'm',
      messages: conversation,
      stream: true,
      stream_options: { include_usage: true },
    });

    const deltas: string[] = [];
    let finishReason: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }

    expect(deltas.join('')).toBe('The quick brown fox jumps over the lazy dog.');
    expect(deltas.length).toBe(9);
    expect(finishReason).toBe('stop');
    expect(usage?.completion_tokens).toBe(Math.ceil(44 / 4));
  });

  it('records each request body exactly as sent', async () => {
    await sdk().chat.completions.create({ model: 'gpt-test', messages: conversation, max_tokens: 50, temperature: 0.2 });

    expect(model.requests).toHaveLength(1);
    expect(model.lastRequest()).toMatchObject({ model: 'gpt-test', messages: conversation, max_tokens: 50, temperature: 0.2 });
    model.clearRequests();
    expect(model.requests).toHaveLength(0);
  });

  it('lets the SDK retry a queued 429, then succeeds', async () => {
    model.failNext('429');
    const completion = await sdk(2).chat.completions.create({ model: 'm', messages: conversation });

    expect(completion.choices[0]?.message.content).toContain('Mock reply to');
    expect(model.requests).toHaveLength(2);
  });

  it('turns a 500 into an APIError when the SDK may not retry', async () => {
    model.failNext('500');
    const failure = await sdk(0)
      .chat.completions.create({ model: 'm', messages: conversation })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(500);
    // The queue is consumed: the next request succeeds.
    await expect(sdk(0).chat.completions.create({ model: 'm', messages: conversation })).resolves.toBeDefined();
  });

  it('breaks a stream after a couple of deltas', async () => {
    model.setBehaviour({ chunkSize: 4 });
    model.failNext('broken-stream');
    const stream = await sdk(0).chat.completions.create({ model: 'm', messages: conversation, stream: true });

    const deltas: string[] = [];
    const iterate = async () => {
      for await (const chunk of stream) deltas.push(chunk.choices[0]?.delta.content ?? '');
    };

    await expect(iterate()).rejects.toThrow();
    expect(deltas).toEqual(['Mock', ' rep']);
  });

  it('answers an empty completion', async () => {
    model.failNext('empty');
    const completion = await sdk().chat.completions.create({ model: 'm', messages: conversation });

    expect(completion.choices[0]?.message.content).toBe('');
  });

  it('never answers a timeout fault, so the SDK times out', async () => {
    model.failNext('timeout');
    const started = Date.now();
    const failure = await sdk(0, 300)
      .chat.completions.create({ model: 'm', messages: conversation })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('delays the first streamed token by firstTokenDelayMs', async () => {
    model.setBehaviour({ firstTokenDelayMs: 200 });
    const stream = await sdk().chat.completions.create({ model: 'm', messages: conversation, stream: true });
    // `create` resolves once the headers are in; the delay is between them and the first chunk.
    const headersAt = Date.now();
    let firstChunkAt: number | undefined;
    for await (const chunk of stream) {
      firstChunkAt ??= Date.now();
      expect(chunk.object).toBe('chat.completion.chunk');
    }

    expect((firstChunkAt ?? 0) - headersAt).toBeGreaterThanOrEqual(150);
  });

  it('computes the reply with a function of the request', async () => {
    model.setBehaviour({ reply: (body) => `model was ${body.model}` });
    const completion = await sdk().chat.completions.create({ model: 'custom', messages: conversation });

    expect(completion.choices[0]?.message.content).toBe('model was custom');
  });

  it('can be driven over its HTTP control API', async () => {
    const origin = model.url.replace(/\/v1$/, '');
    const post = (path: string, body?: unknown) =>
      fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });

    expect((await post('/__mock/behaviour', { reply: 'from another process', faults: ['503'] })).status).toBe(200);
    expect((await post('/__mock/behaviour', { latencyMs: -1 })).status).toBe(400);
    expect((await post('/__mock/behaviour', { nonsense: true })).status).toBe(400);

    const failure = await sdk(0)
      .chat.completions.create({ model: 'm', messages: conversation })
      .catch((error: unknown) => error);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    const completion = await sdk(0).chat.completions.create({ model: 'm', messages: conversation });
    expect(completion.choices[0]?.message.content).toBe('from another process');

    const recorded = (await (await fetch(`${origin}/__mock/requests`)).json()) as unknown[];
    expect(recorded).toHaveLength(2);
    expect(recorded[1]).toMatchObject({ model: 'm', messages: conversation });

    expect((await post('/__mock/reset')).status).toBe(200);
    expect(model.requests).toHaveLength(0);
    const afterReset = await sdk(0).chat.completions.create({ model: 'm', messages: conversation });
    expect(afterReset.choices[0]?.message.content).toContain('Mock reply to');
  });

  it('lists a model', async () => {
    const models = await sdk().models.list();
    expect(models.data.map((m) => m.id)).toEqual(['mock-model']);
  });
});
