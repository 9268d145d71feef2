import { z } from 'zod';

/**
 * Extra OpenAI-compatible endpoints a replay may run against (`REPLAY_ENDPOINTS`, lib/review/replay):
 * JSON `[{"name":"staging","baseURL":"https://…/v1","apiKey":"…","models":["gpt-4o-mini"]}]`. The
 * deployment's own model is always there as "default", so that name is taken.
 */
export const modelEndpointsSchema = z
  .array(
    z.strictObject({
      name: z
        .string()
        .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, - and _ (at most 40)')
        .refine((name) => name !== 'default', '"default" is the deployment\'s own model'),
      baseURL: z.url(),
      apiKey: z.string().min(1).optional(),
      models: z.array(z.string().min(1).max(200)).min(1).max(50),
    }),
  )
  .max(20)
  .refine((list) => new Set(list.map((e) => e.name)).size === list.length, 'names must be unique');

export type ModelEndpoint = z.infer<typeof modelEndpointsSchema>[number];

/** Throws a readable message for the configuration error (bad JSON, or a wrong shape). */
export function parseModelEndpoints(raw: string | undefined): ModelEndpoint[] {
  if (!raw || raw.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error('REPLAY_ENDPOINTS: is not valid JSON (expected [{"name":"staging","baseURL":"…","models":["…"]}])');
  }
  const parsed = modelEndpointsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`REPLAY_ENDPOINTS: ${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
