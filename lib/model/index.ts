import type { ModelConfig } from '@/lib/model/types';
import { DemoModelClient } from '@/lib/model/demo';
import { OpenAIModelClient } from '@/lib/model/openai-client';
import type { ModelClient } from '@/lib/model/types';

export function createModelClient(config: ModelConfig): ModelClient {
  return config.kind === 'openai' ? new OpenAIModelClient(config) : new DemoModelClient();
}
