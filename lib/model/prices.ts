import { z } from 'zod';

/**
 * What a model's tokens cost, for the overview's estimate: `MODEL_PRICES` is JSON mapping a model
 * name (as the audit records it) to US dollars per million input and output tokens, e.g.
 * `{"gpt-4o-mini":{"input":0.15,"output":0.6}}`. Models without a price show tokens and no cost.
 */
export const modelPricesSchema = z.record(
  z.string().min(1).max(200),
  z.strictObject({
    input: z.number().min(0).max(10_000),
    output: z.number().min(0).max(10_000),
  }),
);

export type ModelPrices = z.infer<typeof modelPricesSchema>;

/** Throws a readable message for the configuration error (bad JSON, or a wrong shape). */
export function parseModelPrices(raw: string | undefined): ModelPrices {
  if (!raw || raw.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error('MODEL_PRICES: is not valid JSON (expected {"model":{"input":0.15,"output":0.6}}, dollars per million tokens)');
  }
  const parsed = modelPricesSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`MODEL_PRICES: ${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Estimated dollars for a model's tokens; null when the model has no price. */
export function estimateCost(prices: ModelPrices, model: string, promptTokens: number, completionTokens: number): number | null {
  const price = prices[model];
  if (!price) return null;
  return (promptTokens * price.input + completionTokens * price.output) / 1_000_000;
}
