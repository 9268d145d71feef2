import type { ModelEndpoint } from '@/lib/model/endpoints';
import { createModelClient } from '@/lib/model';
import type { ModelClient, ModelConfig } from '@/lib/model/types';

/** The name of the deployment's own model among the replay endpoints. */
export const DEFAULT_ENDPOINT = 'default';

export interface ReplayEndpointOption {
  name: string;
  models: string[];
}

/** Which models a replay may call: the deployment's own ("default") and REPLAY_ENDPOINTS. */
export interface ReplayModels {
  options(): ReplayEndpointOption[];
  /** A client for one endpoint's model; null when it is not configured. */
  client(endpoint: string, model: string): ModelClient | null;
}

/** Replies are compared with the recorded ones, so a replay asks for as much as a turn may answer. */
export function configuredReplayModels(own: ModelConfig, endpoints: ModelEndpoint[]): ReplayModels {
  const clients = new Map<string, ModelClient>();
  const ownModel = own.model;
  const timeoutMs = own.kind === 'openai' ? own.timeoutMs : 60_000;
  const maxOutputTokens = own.kind === 'openai' ? own.maxOutputTokens : 800;
  const temperature = own.kind === 'openai' ? own.temperature : 0.3;
  return {
    options: () => [{ name: DEFAULT_ENDPOINT, models: [ownModel] }, ...endpoints.map((e) => ({ name: e.name, models: [...e.models] }))],
    client(endpoint, model) {
      const key = `${endpoint}\u0001${model}`;
      const known = clients.get(key);
      if (known) return known;
      let made: ModelClient | null = null;
      if (endpoint === DEFAULT_ENDPOINT) {
        if (model === ownModel) made = createModelClient(own);
      } else {
        const found = endpoints.find((e) => e.name === endpoint);
        if (found?.models.includes(model)) {
          made = createModelClient({
            kind: 'openai',
            apiKey: found.apiKey ?? 'not-needed',
            baseURL: found.baseURL,
            model,
            timeoutMs,
            // One retry of a 429/5xx: a replay is not in a hurry, but it is not worth a minute of backoff either.
            maxRetries: 1,
            maxOutputTokens,
            temperature,
          });
        }
      }
      if (made) clients.set(key, made);
      return made;
    },
  };
}
