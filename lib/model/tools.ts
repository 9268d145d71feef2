import type { ChatCompletionTool } from 'openai/resources/chat/completions';

/**
 * The one tool Tether offers a model: asking for a human agent. The model decides when (the customer
 * asks for a person, or it cannot help); the server decides what that means (lib/handoff): the
 * conversation waits for an agent and the model is not called again until one hands it back.
 */
export const HANDOFF_TOOL_NAME = 'handoff_to_human';

/** Longest reason kept from the model (it is shown to agents in the inbox). */
export const HANDOFF_REASON_MAX_CHARS = 200;

export const HANDOFF_TOOL: ChatCompletionTool = {
  type: 'function',
  function: {
    name: HANDOFF_TOOL_NAME,
    description:
      'Hand the conversation to a human support agent. Use it when the customer asks for a person, or when you ' +
      'cannot resolve their request yourself. Do not use it for questions you can answer.',
    parameters: {
      type: 'object',
      properties: {
        reason: { type: 'string', description: 'One short sentence for the agent: why a person is needed.' },
      },
      required: ['reason'],
      additionalProperties: false,
    },
  },
};

/**
 * The reason from the tool call's JSON arguments, as the agent will read it: trimmed, bounded, and
 * still a handoff when the model sent arguments that do not parse (the request itself is clear).
 */
export function handoffReason(argumentsJson: string): string {
  let reason: unknown;
  try {
    reason = (JSON.parse(argumentsJson) as { reason?: unknown } | null)?.reason;
  } catch {
    reason = undefined;
  }
  const text = typeof reason === 'string' ? reason.replace(/\s+/g, ' ').trim() : '';
  return Array.from(text).slice(0, HANDOFF_REASON_MAX_CHARS).join('');
}
