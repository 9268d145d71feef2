import { v7 as uuidv7 } from 'uuid';
import { getConfig, type Config } from '@/lib/config';
import { openDatabase, type DatabaseHandle } from '@/lib/db/client';
import { createMemoryStore } from '@/lib/memory';
import type { MemoryStore } from '@/lib/memory/types';
import { createModelClient } from '@/lib/model';
import type { ModelClient } from '@/lib/model/types';
import { AuditWriter } from '@/lib/audit/writer';
import { FileAuditOutbox, RedisAuditOutbox, type AuditOutbox } from '@/lib/audit/outbox';
import type { TurnDeps } from '@/lib/chat/turn';

/** The wired-up server: one per process, built from config on first use. */
export interface Runtime {
  config: Config;
  memory: MemoryStore;
  model: ModelClient;
  audit: AuditWriter;
  database(): Promise<DatabaseHandle>;
  close(): Promise<void>;
}

export function createRuntime(config: Config): Runtime {
  let database: Promise<DatabaseHandle> | undefined;
  const openOnce = () => {
    database ??= openDatabase(config.database).catch((error: unknown) => {
      // Let the next caller try again (Postgres may come back); this one sees the failure.
      database = undefined;
      throw error;
    });
    return database;
  };

  const outboxes: AuditOutbox[] = [];
  if (config.memory.backend.kind === 'redis') {
    outboxes.push(
      new RedisAuditOutbox({
        url: config.memory.backend.url,
        token: config.memory.backend.token,
        keyPrefix: config.memory.keyPrefix,
        timeoutMs: 2000,
      }),
    );
  }
  outboxes.push(new FileAuditOutbox(config.dataDir));

  return {
    config,
    memory: createMemoryStore(config.memory),
    model: createModelClient(config.model),
    audit: new AuditWriter({
      database: async () => (await openOnce()).db,
      outboxes,
      redact: config.audit.redact,
      writeTimeoutMs: 5000,
    }),
    database: openOnce,
    async close() {
      if (database) await (await database).close();
      database = undefined;
    },
  };
}

// Kept on globalThis so that dev-mode module reloads do not open a second PGlite on the same folder.
const holder = globalThis as typeof globalThis & { __tetherRuntime?: Runtime };

export function getRuntime(): Runtime {
  holder.__tetherRuntime ??= createRuntime(getConfig());
  return holder.__tetherRuntime;
}

export function turnDeps(runtime: Runtime, defer: TurnDeps['defer']): TurnDeps {
  const { config } = runtime;
  const modelTimeoutMs = config.model.kind === 'openai' ? config.model.timeoutMs : 30_000;
  return {
    memory: runtime.memory,
    model: runtime.model,
    audit: runtime.audit,
    settings: {
      systemPrompt: config.prompt.systemPrompt,
      limits: {
        maxTurns: config.memory.maxTurns,
        maxContextTokens: config.prompt.maxContextTokens,
        messageMaxChars: config.prompt.messageMaxChars,
      },
      lockWaitMs: config.memory.lockWaitMs,
      // Retries and a slow stream both fit inside: the lock must outlive the longest turn.
      lockTtlMs: modelTimeoutMs * 2 + 10_000,
      summary: { enabled: config.memory.summary, maxTokens: config.memory.summaryMaxTokens },
    },
    now: () => new Date(),
    newAuditId: () => uuidv7(),
    defer,
  };
}
