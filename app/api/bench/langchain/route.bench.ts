import { UpstashRedisChatMessageHistory } from '@langchain/community/stores/message/upstash_redis';
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { Redis } from '@upstash/redis';
import { getConfig } from '@/lib/config';
import { errorBody } from '@/lib/errors';
import type { ModelMessage } from '@/lib/prompt/assemble';
import { readBenchBody, streamReply } from '../model-sse';

/**
 * Benchmark only (compiled when TETHER_BENCH_ROUTES=1): the peer, written as LangChain.js documents
 * it. `UpstashRedisChatMessageHistory` on the same Upstash REST endpoint as Tether's memory:
 * getMessages → system prompt + history + the new text → the same model call → addMessages.
 * Keys: `<MEMORY_KEY_PREFIX>-langchain:<sessionId>`, with Tether's TTL.
 */
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

let client: Redis | undefined;

/** One client per process, with the library's defaults (it needs automatic JSON deserialization). */
function redis(url: string, token: string): Redis {
  client ??= new Redis({ url, token });
  return client;
}

function toModelMessage(message: BaseMessage): ModelMessage {
  const role = message.getType() === 'ai' ? 'assistant' : message.getType() === 'system' ? 'system' : 'user';
  return { role, content: typeof message.content === 'string' ? message.content : JSON.stringify(message.content) };
}

export async function POST(request: Request): Promise<Response> {
  const config = getConfig();
  const backend = config.memory.backend;
  if (backend.kind !== 'redis') {
    return Response.json(errorBody('internal_error', 'The LangChain route needs UPSTASH_REDIS_REST_URL.'), { status: 500 });
  }
  const body = await readBenchBody(request);
  if (body instanceof Response) return body;
  if (!body.sessionId) return Response.json(errorBody('invalid_session', 'sessionId is required.'), { status: 400 });

  const history = new UpstashRedisChatMessageHistory({
    sessionId: `${config.memory.keyPrefix}-langchain:${body.sessionId}`,
    sessionTTL: config.memory.ttlSeconds,
    client: redis(backend.url, backend.token),
  });
  const past = await history.getMessages();
  const messages: ModelMessage[] = [
    { role: 'system', content: config.prompt.systemPrompt },
    ...past.map(toModelMessage),
    { role: 'user', content: body.text },
  ];
  return streamReply(messages, request.signal, (reply) =>
    history.addMessages([new HumanMessage(body.text), new AIMessage(reply)]),
  );
}
