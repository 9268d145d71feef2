import type { ModelMessage } from '@/lib/prompt/assemble';
import type { ModelChunk, ModelClient, StreamOptions } from '@/lib/model/types';
import { estimateMessageTokens, estimateTokens } from '@/lib/prompt/tokens';

/**
 * The built-in offline model used when no real one is configured. It is no language model: it
 * answers from simple rules over the context the server assembled, so that memory is visible
 * (it quotes earlier turns and remembers a name) without any network.
 */
export class DemoModelClient implements ModelClient {
  readonly modelName = 'tether-demo';

  constructor(private readonly wordDelayMs = 12) {}

  async *stream(messages: ModelMessage[], signal?: AbortSignal, options: StreamOptions = {}): AsyncIterable<ModelChunk> {
    // Like a real model given the tool: a customer asking for a person gets one.
    const handoff = options.offerHandoff === true && asksForPerson(messages.at(-1)?.content ?? '');
    const reply = handoff ? '[Demo model] I am asking a person from our team to take over.' : demoReply(messages);
    const words = reply.match(/\S+\s*/g) ?? [reply];
    for (const word of words) {
      if (signal?.aborted) return;
      if (this.wordDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.wordDelayMs));
      yield { type: 'delta', text: word };
    }
    if (handoff) yield { type: 'handoff', reason: 'The customer asked to talk to a person.' };
    // Estimates with the same tokenizer as memory, so the audit shows figures for demo turns too.
    yield {
      type: 'usage',
      usage: {
        promptTokens: messages.reduce((sum, message) => sum + estimateMessageTokens(message), 0),
        completionTokens: estimateTokens(reply),
      },
    };
  }

  async complete(messages: ModelMessage[]): Promise<string> {
    const conversation = messages.at(-1)?.content ?? '';
    const customerLines = conversation
      .split('\n')
      .filter((line) => line.startsWith('Customer:'))
      .map((line) => line.slice('Customer:'.length).trim());
    return customerLines.length > 0
      ? `Earlier the customer said: ${customerLines.map((line) => `"${clip(line, 80)}"`).join('; ')}.`
      : 'Nothing of note was said earlier.';
  }
}

const PERSON_PATTERN =
  /\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|someone\s+|somebody\s+)?(?:real\s+|human\s+|live\s+)?(?:human|person|agent|someone|somebody|people)\b|\b(?:human|live|real)\s+(?:agent|person|support)\b/i;

/** The demo model's rule for escalating: the customer plainly asks for a person. */
export function asksForPerson(text: string): boolean {
  return PERSON_PATTERN.test(text);
}

const NAME_PATTERN = /\bmy name is\s+([\p{L}][\p{L}'-]{0,40})/iu;
const NAME_QUESTION = /\b(what(?:'s| is) my name|do you (?:know|remember) my name|who am i)\b/i;

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function demoReply(messages: ModelMessage[]): string {
  const current = messages.at(-1)?.content ?? '';
  // The rolling summary arrives as a fenced user message (lib/prompt/assemble.ts), not as history.
  const isSummary = (m: ModelMessage) => m.role === 'user' && m.content.startsWith('<earlier_conversation_notes>');
  const history = messages.slice(0, -1).filter((m) => m.role !== 'system' && !isSummary(m));
  const earlierUser = history.filter((m) => m.role === 'user').map((m) => m.content);
  const hasSummary = messages.some(isSummary);
  const knownName = [...earlierUser].reverse().map((t) => NAME_PATTERN.exec(t)?.[1]).find(Boolean);
  const newName = NAME_PATTERN.exec(current)?.[1];

  const parts = ['[Demo model]'];
  if (newName) {
    parts.push(`Nice to meet you, ${newName}! I will remember your name for the rest of this conversation.`);
  } else if (NAME_QUESTION.test(current)) {
    parts.push(knownName ? `Your name is ${knownName}: you told me earlier.` : 'You have not told me your name yet.');
  } else {
    parts.push(`You wrote: "${clip(current, 120)}".`);
  }
  if (earlierUser.length === 0) {
    parts.push(hasSummary ? 'I also have a summary of our earlier conversation.' : 'This is the start of our conversation.');
  } else {
    const count = earlierUser.length;
    parts.push(
      `I remember ${count} earlier message${count === 1 ? '' : 's'} from you; the first was "${clip(earlierUser[0] ?? '', 80)}".`,
    );
  }
  return parts.join(' ');
}
