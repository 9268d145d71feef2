import { contextTurns } from '@/lib/prompt/authors';
import type { ConversationStore } from '@/lib/conversation/store';
import type { MemoryMessage } from '@/lib/conversation/types';
import type { ModelClient } from '@/lib/model/types';
import { buildSummaryRequest, clampSummary } from '@/lib/prompt/assemble';
import { errorFields, log } from '@/lib/observability/log';
import { sessionRef } from '@/lib/session-ref';

export interface SummaryDeps {
  memory: Pick<ConversationStore, 'read' | 'saveSummary'>;
  model: ModelClient;
  maxTokens: number;
}

// One summary job per session at a time, so each job folds into the summary the previous one wrote.
const jobs = new Map<string, Promise<void>>();

/**
 * Folds turns that just left the memory window into the session's rolling summary. Runs after the
 * reply (never on its critical path); a failure keeps the old summary and is only logged.
 */
export function summarizeEvicted(sessionId: string, evicted: MemoryMessage[], deps: SummaryDeps): Promise<void> {
  const previous = jobs.get(sessionId) ?? Promise.resolve();
  const job = previous.then(() => fold(sessionId, evicted, deps));
  jobs.set(sessionId, job);
  void job.finally(() => {
    if (jobs.get(sessionId) === job) jobs.delete(sessionId);
  });
  return job;
}

async function fold(sessionId: string, evicted: MemoryMessage[], deps: SummaryDeps): Promise<void> {
  try {
    const current = await deps.memory.read(sessionId);
    if (current.status !== 'ok') return;
    const request = buildSummaryRequest(current.summary, contextTurns(evicted), deps.maxTokens);
    const text = await deps.model.complete(request, { maxTokens: Math.ceil(deps.maxTokens * 1.5) });
    await deps.memory.saveSummary(sessionId, clampSummary(text, deps.maxTokens));
  } catch (error) {
    log.warn('summary not updated', { session: sessionRef(sessionId), ...errorFields(error) });
  }
}
