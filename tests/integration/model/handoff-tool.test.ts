import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAIModelClient } from '@/lib/model/openai-client';
import { HANDOFF_TOOL_NAME } from '@/lib/model/tools';
import type { ModelChunk } from '@/lib/model/types';
import type { ModelMessage } from '@/lib/prompt/assemble';
import { startMockModel, type MockModel } from '../../support/mock-model';

/**
 * The model's own escalation through the OpenAI tools API, end to end through the SDK and the mock
 * model's wire format: the tool is offered only when asked, its streamed arguments are put back
 * together, and a handoff is an answer (not `model_empty`).
 */

let model: MockModel;

// One mock model for the file (closed by the returned teardown), reset between tests.
beforeAll(async () => {
  model = await startMockModel();
  return () => model.close();
});
beforeEach(() => model.reset());

function client(): OpenAIModelClient {
  return new OpenAIModelClient({
    kind: 'openai',
    apiKey: 'test',
    baseURL: model.url,
    model: 'mock-model',
    timeoutMs: 5000,
    maxRetries: 0,
    maxOutputTokens: 256,
    temperature: 0,
  });
}

const messages: ModelMessage[] = [
  { role: 'system', content: 'You are a support assistant.' },
  { role: 'user', content: 'I want to talk to a person about my refund.' },
];

async function collect(stream: AsyncIterable<ModelChunk>): Promise<ModelChunk[]> {
  const chunks: ModelChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('the handoff_to_human tool', () => {
  it('is offered to the model only when the turn offers it', async () => {
    await collect(client().stream(messages));
    expect(model.lastRequest()?.tools).toBeUndefined();

    await collect(client().stream(messages, undefined, { offerHandoff: true }));
    const offered = model.lastRequest()?.tools ?? [];
    expect(offered.map((tool) => (tool.type === 'function' ? tool.function.name : tool.type))).toEqual([HANDOFF_TOOL_NAME]);
    expect(model.lastRequest()?.tool_choice).toBe('auto');
  });

  it("becomes a handoff chunk with the model's reason, its streamed arguments put back together", async () => {
    model.setBehaviour({
      toolCall: { name: HANDOFF_TOOL_NAME, arguments: JSON.stringify({ reason: 'Refund over the limit I may approve.' }) },
    });
    const chunks = await collect(client().stream(messages, undefined, { offerHandoff: true }));
    expect(chunks.filter((c) => c.type === 'delta')).toEqual([]);
    expect(chunks.filter((c) => c.type === 'handoff')).toEqual([
      { type: 'handoff', reason: 'Refund over the limit I may approve.' },
    ]);
    expect(chunks.some((c) => c.type === 'usage')).toBe(true);
  });

  it('keeps what the model said before calling the tool', async () => {
    model.setBehaviour({
      toolCall: { name: HANDOFF_TOOL_NAME, arguments: '{"reason":"Asked for a person."}', content: 'One moment, please.' },
    });
    const chunks = await collect(client().stream(messages, undefined, { offerHandoff: true }));
    const text = chunks.flatMap((c) => (c.type === 'delta' ? [c.text] : [])).join('');
    expect(text).toBe('One moment, please.');
    expect(chunks.at(-1)).toEqual({ type: 'handoff', reason: 'Asked for a person.' });
  });

  it('still hands off when the arguments do not parse, with no reason rather than a made-up one', async () => {
    model.setBehaviour({ toolCall: { name: HANDOFF_TOOL_NAME, arguments: '{"reason": "unterminated' } });
    const chunks = await collect(client().stream(messages, undefined, { offerHandoff: true }));
    expect(chunks.filter((c) => c.type === 'handoff')).toEqual([{ type: 'handoff', reason: '' }]);
  });

  it('answers normally when the tool is not offered, even if the model would call it', async () => {
    model.setBehaviour({ toolCall: { name: HANDOFF_TOOL_NAME, arguments: '{"reason":"x"}' } });
    const chunks = await collect(client().stream(messages));
    expect(chunks.some((c) => c.type === 'handoff')).toBe(false);
    expect(chunks.flatMap((c) => (c.type === 'delta' ? [c.text] : [])).join('')).toMatch(/^Mock reply to: I want to talk/);
  });
});
