import path from 'node:path';
import type { Redis } from '@upstash/redis';
import { PostgresDeadLetters } from '@/lib/audit/dead-letters';
import { DirectAuditWriter } from '@/lib/audit/direct';
import { AuditDrainer } from '@/lib/audit/drainer';
import { FileAuditOutbox } from '@/lib/audit/outbox';
import { RedisAuditStream } from '@/lib/audit/redis-stream';
import { PostgresAuditSink } from '@/lib/audit/sink';
import { LiveReplyHub, StreamSlots } from '@/lib/chat/live-reply';
import { StopRegistry } from '@/lib/chat/stops';
import { getConfig, type Config } from '@/lib/config';
import { openDatabase, type DatabaseHandle } from '@/lib/db/client';
import { HealthCache } from '@/lib/health-checks';
import { createConversationBackend } from '@/lib/conversation';
import { PostgresDurableRecord } from '@/lib/conversation/durable';
import type { LiveReplyStore } from '@/lib/conversation/live-reply';
import { LocalLiveReplyStore } from '@/lib/conversation/local/live-reply';
import { RedisLiveReplyStore } from '@/lib/conversation/redis/live-reply';
import { ConversationStore } from '@/lib/conversation/store';
import { createModelClient } from '@/lib/model';
import type { ModelClient } from '@/lib/model/types';
import { createRateLimiter, type RateLimiter } from '@/lib/rate-limit';
import { LocalRateLimiter } from '@/lib/rate-limit/local';
import { createRestClient } from '@/lib/redis/client';
import { AccessLogThrottle } from '@/lib/auth/access-log';
import { createSetupGate, type SetupGate } from '@/lib/auth/setup';
import { type Presence, postgresPresence } from '@/lib/handoff/presence';
import { configuredReplayModels } from '@/lib/review/replay/models';
import { ReplayRunner } from '@/lib/review/replay/runner';

/**
 * The wired-up server: config → clients → stores, once per process. Created lazily from the
 * routes' module graph only (never from instrumentation.ts, which Next bundles separately: objects
 * made there would carry a second copy of every module).
 */
export interface Runtime {
  config: Config;
  /** The one Redis REST client (memory, the audit stream's writers, rate limits); null on the embedded default. */
  redis: Redis | null;
  /** Everything a conversation persists (lib/conversation): memory, lease, turn numbers, the audit entry of each change. */
  memory: ConversationStore;
  model: ModelClient;
  /** Writes audit entries straight to Postgres (embedded default; turns while Redis is unreachable). */
  audit: DirectAuditWriter;
  drainer: AuditDrainer;
  deadLetters: PostgresDeadLetters;
  stops: StopRegistry;
  /** Replies still streaming, kept for their short life so a reloaded page can resume them. */
  liveReplies: LiveReplyStore;
  /** The one feed of `liveReplies` on this instance: N watchers of a reply cost one store read per interval. */
  liveReplyHub: LiveReplyHub;
  /** Resume streams open on this instance, per conversation and per address (their caps: config.limits). */
  resumeSlots: StreamSlots;
  /** The abuse limits, shared through Redis when there is one (lib/rate-limit). */
  rateLimiter: RateLimiter;
  /** The same limits counted in this process only (readiness probes: a question about this instance). */
  instanceLimiter: RateLimiter;
  /** Readiness shared by anonymous GET /api/health calls for HEALTH_CACHE_MS (lib/health-checks.ts). */
  health: HealthCache;
  /** Which agents have a console open (lib/handoff/presence.ts). */
  presence: Presence;
  /** The first-run setup token of this runtime (lib/auth/setup.ts). */
  setup: SetupGate;
  /** Which admin list views were logged in the last minute, so a live list is logged once a minute. */
  accessLogThrottle: AccessLogThrottle;
  /** Runs replays of recorded turns in the background (lib/review/replay), leased in Postgres. */
  replays: ReplayRunner;
  database(): Promise<DatabaseHandle>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Run the audit drainer loop in this process (a long-lived server). Default: unless serverless. */
  drainLoop?: boolean;
  /** Look for queued replays now and then in this process. Default: as drainLoop. */
  replayLoop?: boolean;
}

/** A drain reads up to hundreds of entries: it gets more time than a turn's memory call. */
const DRAIN_REDIS_TIMEOUT_MS = 5000;

export function createRuntime(config: Config, options: RuntimeOptions = {}): Runtime {
  let database: Promise<DatabaseHandle> | undefined;
  const openOnce = () => {
    database ??= openDatabase(config.database).catch((error: unknown) => {
      // Let the next caller try again (Postgres may come back); this one sees the failure.
      database = undefined;
      throw error;
    });
    return database;
  };
  const db = async () => (await openOnce()).db;

  const redisConfig = config.memory.backend.kind === 'redis' ? config.memory.backend : null;
  const redis = redisConfig
    ? createRestClient({ url: redisConfig.url, token: redisConfig.token, timeoutMs: redisConfig.timeoutMs, retries: 0 })
    : null;
  const sink = new PostgresAuditSink(db, { redact: config.audit.redact });
  const deadLetters = new PostgresDeadLetters(db);
  const outbox = new FileAuditOutbox(config.dataDir);
  const audit = new DirectAuditWriter(sink, outbox, deadLetters, { timeoutMs: 5000 });
  const backend = createConversationBackend(
    config.memory,
    redis ? { redis } : { localSink: audit, dir: path.join(config.dataDir, 'memory') },
  );
  const memory = new ConversationStore({
    backend,
    durable: new PostgresDurableRecord(db),
    audit,
    // A long-lived server drains soon after each turn; on serverless, after() and cron do.
    onRecorded: config.serverless ? undefined : (urgent) => drainer.nudge(urgent),
  });
  const stream = redisConfig
    ? new RedisAuditStream(
          createRestClient({ url: redisConfig.url, token: redisConfig.token, timeoutMs: DRAIN_REDIS_TIMEOUT_MS, retries: 1 }),
          config.memory.keyPrefix,
        )
      : null;
  const drainer = new AuditDrainer({
    sink,
    database: db,
    deadLetters,
    outbox,
    stream,
    leases: memory,
    // Longer than any live turn goes without renewing its lease.
    abandonAfterMs: Math.max(config.memory.leaseMs * 4, 15_000),
  });
  if (options.drainLoop ?? !config.serverless) drainer.start();
  const replays = new ReplayRunner({
    database: db,
    models: configuredReplayModels(config.model, config.replay.endpoints),
    prices: config.admin.modelPrices,
    callsPerMinute: config.replay.callsPerMinute,
  });
  if (options.replayLoop ?? options.drainLoop ?? !config.serverless) replays.start();
  const liveReplies = redis ? new RedisLiveReplyStore(redis, config.memory.keyPrefix) : new LocalLiveReplyStore();

  return {
    config,
    redis,
    memory,
    model: createModelClient(config.model),
    audit,
    drainer,
    deadLetters,
    stops: new StopRegistry(),
    liveReplies,
    liveReplyHub: new LiveReplyHub(liveReplies),
    resumeSlots: new StreamSlots(),
    // The runtime's one Redis client, shared with memory and the audit stream.
    rateLimiter: createRateLimiter(config.memory, redis),
    instanceLimiter: new LocalRateLimiter(),
    setup: createSetupGate(db),
    presence: postgresPresence(db),
    health: new HealthCache(config.limits.healthCacheMs),
    accessLogThrottle: new AccessLogThrottle(),
    replays,
    database: openOnce,
    async close() {
      await replays.close();
      await drainer.stop();
      if (database) await (await database).close().catch(() => undefined);
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
