import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseModelPrices, type ModelPrices } from '@/lib/model/prices';
import type { ModelConfig } from '@/lib/model/types';

/**
 * The only reader of process.env. Every variable is parsed once, with zod, into typed config;
 * a bad value fails start-up with a message that names the variable.
 */

const DEFAULT_SYSTEM_PROMPT =
  'You are a friendly, concise customer-support assistant. Answer the customer\'s questions, ' +
  'ask for details when you need them, and say so plainly when you do not know something.';

const emptyAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyAsUndefined, z.url().optional());
const int = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().int().min(min).max(max).default(fallback));
const onOff = (fallback?: 'on' | 'off') =>
  z.preprocess(emptyAsUndefined, fallback ? z.enum(['on', 'off']).default(fallback) : z.enum(['on', 'off']).optional());

/** scheme://host[:port] and nothing else: what CSP frame-ancestors and an Origin header compare against. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  TETHER_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('.data')),
  SESSION_SECRET: z.preprocess(emptyAsUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
  AUTH_SECRET: z.preprocess(emptyAsUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  ),
  /** off behind a transaction pooler (PgBouncer, Supavisor, Neon's pooled URL): no prepared statements. */
  DATABASE_PREPARE: onOff('on'),
  /** on: the server applies drizzle/ to DATABASE_URL when it starts (the Docker image sets it). */
  DATABASE_MIGRATE_ON_START: onOff('off'),
  /** A direct (not pooled) connection for migrations, when DATABASE_URL goes through a transaction pooler. */
  DATABASE_MIGRATION_URL: z.preprocess(
    emptyAsUndefined,
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  ),
  UPSTASH_REDIS_REST_URL: optionalUrl,
  UPSTASH_REDIS_REST_TOKEN: optionalString,
  REDIS_TIMEOUT_MS: int(50, 10_000, 1000),
  MEMORY_KEY_PREFIX: z.preprocess(emptyAsUndefined, z.string().regex(/^[a-z0-9:_-]+$/i).default('tether')),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.preprocess(emptyAsUndefined, z.string().default('gpt-4o-mini')),
  OPENAI_TIMEOUT_MS: int(1_000, 600_000, 30_000),
  OPENAI_MAX_RETRIES: int(0, 10, 2),
  OPENAI_MAX_OUTPUT_TOKENS: int(16, 32_000, 800),
  OPENAI_TEMPERATURE: z.preprocess(emptyAsUndefined, z.coerce.number().min(0).max(2).default(0.3)),
  SYSTEM_PROMPT: optionalString,
  SYSTEM_PROMPT_FILE: optionalString,
  MEMORY_TTL_SECONDS: int(1, 30 * 24 * 3600, 1800),
  MEMORY_MAX_TURNS: int(1, 200, 10),
  MEMORY_MAX_TOKENS: int(256, 1_000_000, 6000),
  MEMORY_SUMMARY: onOff(),
  MEMORY_SUMMARY_MAX_TOKENS: int(32, 4000, 300),
  PROMPT_MAX_TOKENS: int(256, 1_000_000, 8000),
  MESSAGE_MAX_CHARS: int(100, 100_000, 4000),
  TURN_LOCK_WAIT_MS: int(0, 60_000, 5000),
  TURN_LEASE_MS: int(1000, 60_000, 4000),
  CHAT_RATE_LIMIT_PER_MINUTE: int(0, 10_000, 20),
  /** Abuse limits (0: off). See docs/security.md for why these defaults. */
  SESSION_CREATE_PER_IP_PER_MINUTE: int(0, 100_000, 60),
  CHAT_PER_IP_PER_MINUTE: int(0, 100_000, 120),
  MODEL_CALLS_PER_MINUTE: int(0, 10_000_000, 0),
  /** Per-address limits of the endpoints around a turn (docs/security.md, "Limits"). */
  STOP_PER_IP_PER_MINUTE: int(0, 100_000, 60),
  FEEDBACK_PER_IP_PER_MINUTE: int(0, 100_000, 60),
  MESSAGES_PER_IP_PER_MINUTE: int(0, 100_000, 120),
  HEALTH_PER_IP_PER_MINUTE: int(0, 100_000, 120),
  RESUME_PER_IP_PER_MINUTE: int(0, 100_000, 60),
  /** Resume streams open at once on one instance: per conversation and per address. */
  RESUME_STREAMS_PER_SESSION: int(0, 1000, 3),
  RESUME_STREAMS_PER_IP: int(0, 100_000, 20),
  /** How long an anonymous readiness answer is reused (0: probe every call). */
  HEALTH_CACHE_MS: int(0, 60_000, 1500),
  /** IPv6 clients are limited per network of this prefix length (a /64 is one ordinary allocation). */
  RATE_LIMIT_IPV6_PREFIX: int(16, 128, 64),
  /** off (default): the socket address; a hop count N: the Nth X-Forwarded-For entry from the right; vercel. */
  TRUST_PROXY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^(off|vercel|[1-9]|10)$/, 'must be off, vercel or a hop count from 1 to 10')
      .optional(),
  ),
  /** Comma-separated origins (https://shop.example) that may frame /widget; unset = same origin only. */
  WIDGET_ALLOWED_ORIGINS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .transform((list) => list.split(',').map((item) => item.trim()).filter(Boolean))
      .pipe(
        z.array(
          z
            .string()
            .refine(isOrigin, 'must be a comma-separated list of origins such as https://shop.example (no path)'),
        ),
      )
      .optional(),
  ),
  /** Shared with the host site's server: it signs its signed-in customers (HS256 JWT), Tether verifies (docs/identity.md). */
  WIDGET_IDENTITY_SECRET: z.preprocess(emptyAsUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
  /** on: every conversation must come from a verified customer; anonymous sessions and ids are refused. */
  WIDGET_IDENTITY_REQUIRED: onOff('off'),
  SERVER_HEADERS_TIMEOUT_MS: int(1_000, 600_000, 10_000),
  SERVER_REQUEST_TIMEOUT_MS: int(1_000, 3_600_000, 30_000),
  ADMIN_IDLE_TIMEOUT_MINUTES: int(5, 24 * 60, 60),
  AUDIT_REDACT: z.preprocess(emptyAsUndefined, z.enum(['off', 'mask']).default('off')),
  AUDIT_RETENTION_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).optional()),
  AUDIT_IP_SALT: optionalString,
  CRON_SECRET: optionalString,
  AUTH_GITHUB_ID: optionalString,
  AUTH_GITHUB_SECRET: optionalString,
  AUTH_GOOGLE_ID: optionalString,
  AUTH_GOOGLE_SECRET: optionalString,
  AUTH_OIDC_ISSUER: optionalUrl,
  AUTH_OIDC_ID: optionalString,
  AUTH_OIDC_SECRET: optionalString,
  /** Comma-separated e-mail addresses that may sign in to /admin through an OAuth/OIDC provider. */
  ADMIN_ALLOWED_EMAILS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .transform((list) => list.split(',').map((item) => item.trim().toLowerCase()).filter(Boolean))
      .pipe(z.array(z.email('must be a comma-separated list of e-mail addresses')))
      .optional(),
  ),
  /** Bearer token that unlocks /api/health's per-backend details (anonymous callers get the status only). */
  HEALTH_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  /** Put customer and assistant text into the per-turn log line (off: statuses, sizes and timings only). */
  LOG_MESSAGE_TEXT: onOff('off'),
  /** OTLP/HTTP collector (e.g. http://127.0.0.1:4318); traces are exported only when it is set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_SERVICE_NAME: z.preprocess(emptyAsUndefined, z.string().default('tether')),
  /** Explicit opt-ins for running a production server on the embedded defaults (see productionProblems). */
  TETHER_ALLOW_EMBEDDED_DATABASE: onOff('off'),
  TETHER_ALLOW_LOCAL_MEMORY: onOff('off'),
  TETHER_ALLOW_DEMO_MODEL: onOff('off'),
  /** A domain (example.com) whose verified addresses may sign in to /admin through an OAuth/OIDC provider. */
  /** JSON: model → dollars per million input/output tokens, for the admin overview's cost estimate. */
  MODEL_PRICES: optionalString,
  ADMIN_ALLOWED_DOMAIN: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .transform((domain) => domain.trim().toLowerCase().replace(/^@/, ''))
      .pipe(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'must be a domain such as example.com'))
      .optional(),
  ),
});

export type RawEnv = z.infer<typeof envSchema>;

export interface Config {
  env: RawEnv['NODE_ENV'];
  /** Instances live for one request (Vercel): no background loops, work runs in after() and cron routes. */
  serverless: boolean;
  dataDir: string;
  sessionSecret: string;
  authSecret: string | undefined;
  database: { kind: 'postgres'; url: string; prepare?: boolean } | { kind: 'pglite'; dir: string };
  startup: { migrateDatabase: boolean; migrationUrl: string | undefined };
  memory: {
    backend: { kind: 'redis'; url: string; token: string; timeoutMs: number } | { kind: 'local' };
    keyPrefix: string;
    ttlSeconds: number;
    maxTurns: number;
    maxTokens: number;
    lockWaitMs: number;
    /** A running turn's hold on its conversation, renewed while the model streams; a crash frees it this fast. */
    leaseMs: number;
    /** Messages one conversation may send per minute (0: no limit). */
    turnsPerMinute: number;
    summary: boolean;
    summaryMaxTokens: number;
  };
  model: ModelConfig;
  prompt: { systemPrompt: string; maxContextTokens: number; messageMaxChars: number };
  audit: { redact: 'off' | 'mask'; retentionDays: number | undefined; ipSalt: string; cronSecret: string | undefined };
  observability: {
    healthToken: string | undefined;
    logMessageText: boolean;
    otlpEndpoint: string | undefined;
    serviceName: string;
  };
  security: {
    /** How the client's address is found (lib/chat/client-info.ts). */
    trustProxy: TrustProxy;
    /** Origins that may frame /widget (CSP frame-ancestors); empty = same origin only. */
    widgetAllowedOrigins: string[];
    serverHeadersTimeoutMs: number;
    serverRequestTimeoutMs: number;
  };
  /** Abuse limits per minute; 0 turns one off. */
  limits: {
    sessionCreatePerIp: number;
    chatPerIp: number;
    modelCallsGlobal: number;
    stopPerIp: number;
    feedbackPerIp: number;
    messagesPerIp: number;
    healthPerIp: number;
    resumePerIp: number;
    /** Concurrent resume streams on one instance (not per minute). */
    resumeStreamsPerSession: number;
    resumeStreamsPerIp: number;
    healthCacheMs: number;
    ipv6Prefix: number;
  };
  /** Identity verification of the host site's customers (lib/identity, docs/identity.md). */
  identity: {
    /** HS256 key shared with the host site; undefined: tokens are refused with identity_not_configured. */
    secret: string | undefined;
    /** Anonymous conversations are refused (creation and every use of an anonymous id). */
    required: boolean;
  };
  admin: {
    /** Signed-in agents who do nothing for this long must sign in again. */
    idleTimeoutSeconds: number;
    /** OAuth/OIDC providers whose id and secret are both set; the Credentials provider is always on. */
    oauth: OAuthProviderConfig[];
    allowedEmails: string[];
    allowedDomain: string | undefined;
    /** MODEL_PRICES, validated (lib/model/prices.ts). */
    modelPrices: ModelPrices;
  };
}

export type TrustProxy = { kind: 'off' } | { kind: 'hops'; hops: number } | { kind: 'vercel' };

export type OAuthProviderConfig =
  | { id: 'github' | 'google'; clientId: string; clientSecret: string }
  | { id: 'oidc'; issuer: string; clientId: string; clientSecret: string };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`)
    .join('\n');
}

/** A secret kept in the git-ignored data folder, so development ids and sign-ins survive a restart. */
function persistedDevSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, `${name}.secret`);
  if (existsSync(file)) {
    const value = readFileSync(file, 'utf8').trim();
    if (value.length >= 32) return value;
  }
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(32).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

function readSystemPrompt(env: RawEnv): string {
  if (env.SYSTEM_PROMPT) return env.SYSTEM_PROMPT;
  if (env.SYSTEM_PROMPT_FILE) {
    try {
      const text = readFileSync(env.SYSTEM_PROMPT_FILE, 'utf8').trim();
      if (text) return text;
    } catch (error) {
      throw new ConfigError(`SYSTEM_PROMPT_FILE: cannot read ${env.SYSTEM_PROMPT_FILE} (${(error as Error).message})`);
    }
    throw new ConfigError(`SYSTEM_PROMPT_FILE: ${env.SYSTEM_PROMPT_FILE} is empty`);
  }
  return DEFAULT_SYSTEM_PROMPT;
}

const SECRET_MIN = 32;

/**
 * What a production server must not run with. Development keeps its zero-setup defaults; in
 * production a generated secret, PGlite, in-process memory or the demo model is almost always a
 * deployment mistake (lost sessions on restart, memory that differs per instance), so each needs
 * a deliberate opt-in. Reads the raw environment, so the problems are reported together with any
 * invalid values. Not applied while `next build` runs (it needs no environment).
 */
export function productionProblems(source: Record<string, string | undefined>): string[] {
  const value = (name: string) => source[name]?.trim() || undefined;
  if (value('NEXT_PHASE') === 'phase-production-build') return [];
  // A serverless deployment has many short-lived instances and a read-only disk: the embedded
  // defaults (a generated secret, in-process memory, PGlite) would silently differ per instance,
  // so no opt-in applies there.
  const vercel = Boolean(value('VERCEL'));
  if (!vercel && value('NODE_ENV') !== 'production') return [];
  const problems: string[] = [];
  const optIn = (name: string) => value(name) === 'on';
  if (vercel) {
    for (const name of ['SESSION_SECRET', 'AUTH_SECRET', 'DATABASE_URL', 'UPSTASH_REDIS_REST_URL']) {
      if (!value(name)) problems.push(`${name}: required in a Vercel deployment (see docs/deploy.md)`);
    }
  } else {
    for (const name of ['SESSION_SECRET', 'AUTH_SECRET']) {
      if (!value(name)) problems.push(`${name}: required in production (at least ${SECRET_MIN} characters; openssl rand -base64 48)`);
    }
    if (!value('DATABASE_URL') && !optIn('TETHER_ALLOW_EMBEDDED_DATABASE')) {
      problems.push('DATABASE_URL: required in production (or TETHER_ALLOW_EMBEDDED_DATABASE=on for the embedded PGlite database)');
    }
    if (!value('UPSTASH_REDIS_REST_URL') && !optIn('TETHER_ALLOW_LOCAL_MEMORY')) {
      problems.push('UPSTASH_REDIS_REST_URL: required in production (or TETHER_ALLOW_LOCAL_MEMORY=on for in-process memory, one instance only)');
    }
  }
  if (!value('OPENAI_API_KEY') && !value('OPENAI_BASE_URL') && !optIn('TETHER_ALLOW_DEMO_MODEL')) {
    problems.push('OPENAI_API_KEY or OPENAI_BASE_URL: required in production (or TETHER_ALLOW_DEMO_MODEL=on for the offline demo model)');
  }
  return problems;
}

function modelPricesOrThrow(raw: string | undefined): ModelPrices {
  try {
    return parseModelPrices(raw);
  } catch (error) {
    throw new ConfigError(`Invalid Tether configuration:\n  ${(error as Error).message}`);
  }
}

export function parseConfig(source: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(source);
  const problems = productionProblems(source);
  if (!parsed.success || problems.length > 0) {
    const issues = [parsed.success ? '' : formatIssues(parsed.error), ...problems.map((problem) => `  ${problem}`)];
    throw new ConfigError(`Invalid Tether configuration:\n${issues.filter(Boolean).join('\n')}\nSee .env.example.`);
  }
  const env = parsed.data;
  const dataDir = path.resolve(env.TETHER_DATA_DIR);

  if (env.WIDGET_IDENTITY_REQUIRED === 'on' && !env.WIDGET_IDENTITY_SECRET) {
    throw new ConfigError(
      'Invalid Tether configuration:\n  WIDGET_IDENTITY_REQUIRED=on needs WIDGET_IDENTITY_SECRET (at least 32 characters).',
    );
  }
  if (Boolean(env.UPSTASH_REDIS_REST_URL) !== Boolean(env.UPSTASH_REDIS_REST_TOKEN)) {
    throw new ConfigError(
      'Invalid Tether configuration:\n  UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together.',
    );
  }
  const hasModel = Boolean(env.OPENAI_API_KEY || env.OPENAI_BASE_URL);
  const model: ModelConfig = hasModel
    ? {
        kind: 'openai',
        // Local OpenAI-compatible servers (Ollama, vLLM) accept any key; the SDK insists on one.
        apiKey: env.OPENAI_API_KEY ?? 'not-needed',
        baseURL: env.OPENAI_BASE_URL,
        model: env.OPENAI_MODEL,
        timeoutMs: env.OPENAI_TIMEOUT_MS,
        maxRetries: env.OPENAI_MAX_RETRIES,
        maxOutputTokens: env.OPENAI_MAX_OUTPUT_TOKENS,
        temperature: env.OPENAI_TEMPERATURE,
      }
    : { kind: 'demo', model: 'tether-demo' };

  const sessionSecret = env.SESSION_SECRET ?? persistedDevSecret(dataDir, 'session');

  return {
    env: env.NODE_ENV,
    serverless: Boolean(source.VERCEL),
    dataDir,
    sessionSecret,
    // Like SESSION_SECRET in development; elsewhere admin sign-in stays off until AUTH_SECRET is set.
    authSecret: env.AUTH_SECRET ?? (env.NODE_ENV === 'development' ? persistedDevSecret(dataDir, 'auth') : undefined),
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL, ...(env.DATABASE_PREPARE === 'off' ? { prepare: false } : {}) }
      : { kind: 'pglite', dir: path.join(dataDir, 'pglite') },
    startup: { migrateDatabase: env.DATABASE_MIGRATE_ON_START === 'on', migrationUrl: env.DATABASE_MIGRATION_URL },
    memory: {
      backend:
        env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN
          ? {
              kind: 'redis',
              url: env.UPSTASH_REDIS_REST_URL,
              token: env.UPSTASH_REDIS_REST_TOKEN,
              timeoutMs: env.REDIS_TIMEOUT_MS,
            }
          : { kind: 'local' },
      keyPrefix: env.MEMORY_KEY_PREFIX,
      ttlSeconds: env.MEMORY_TTL_SECONDS,
      maxTurns: env.MEMORY_MAX_TURNS,
      maxTokens: env.MEMORY_MAX_TOKENS,
      lockWaitMs: env.TURN_LOCK_WAIT_MS,
      leaseMs: env.TURN_LEASE_MS,
      turnsPerMinute: env.CHAT_RATE_LIMIT_PER_MINUTE,
      summary: (env.MEMORY_SUMMARY ?? (hasModel ? 'on' : 'off')) === 'on',
      summaryMaxTokens: env.MEMORY_SUMMARY_MAX_TOKENS,
    },
    model,
    prompt: {
      systemPrompt: readSystemPrompt(env),
      maxContextTokens: env.PROMPT_MAX_TOKENS,
      messageMaxChars: env.MESSAGE_MAX_CHARS,
    },
    audit: {
      redact: env.AUDIT_REDACT,
      retentionDays: env.AUDIT_RETENTION_DAYS,
      ipSalt: env.AUDIT_IP_SALT ?? sessionSecret,
      cronSecret: env.CRON_SECRET,
    },
    observability: {
      healthToken: env.HEALTH_TOKEN,
      logMessageText: env.LOG_MESSAGE_TEXT === 'on',
      otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: env.OTEL_SERVICE_NAME,
    },
    security: {
      trustProxy: trustProxy(env.TRUST_PROXY ?? (source.VERCEL ? 'vercel' : 'off')),
      widgetAllowedOrigins: (env.WIDGET_ALLOWED_ORIGINS ?? []).map((origin) => origin.replace(/\/$/, '')),
      serverHeadersTimeoutMs: env.SERVER_HEADERS_TIMEOUT_MS,
      serverRequestTimeoutMs: env.SERVER_REQUEST_TIMEOUT_MS,
    },
    limits: {
      sessionCreatePerIp: env.SESSION_CREATE_PER_IP_PER_MINUTE,
      chatPerIp: env.CHAT_PER_IP_PER_MINUTE,
      modelCallsGlobal: env.MODEL_CALLS_PER_MINUTE,
      stopPerIp: env.STOP_PER_IP_PER_MINUTE,
      feedbackPerIp: env.FEEDBACK_PER_IP_PER_MINUTE,
      messagesPerIp: env.MESSAGES_PER_IP_PER_MINUTE,
      healthPerIp: env.HEALTH_PER_IP_PER_MINUTE,
      resumePerIp: env.RESUME_PER_IP_PER_MINUTE,
      resumeStreamsPerSession: env.RESUME_STREAMS_PER_SESSION,
      resumeStreamsPerIp: env.RESUME_STREAMS_PER_IP,
      healthCacheMs: env.HEALTH_CACHE_MS,
      ipv6Prefix: env.RATE_LIMIT_IPV6_PREFIX,
    },
    identity: { secret: env.WIDGET_IDENTITY_SECRET, required: env.WIDGET_IDENTITY_REQUIRED === 'on' },
    admin: {
      idleTimeoutSeconds: env.ADMIN_IDLE_TIMEOUT_MINUTES * 60,
      oauth: oauthProviders(env),
      allowedEmails: env.ADMIN_ALLOWED_EMAILS ?? [],
      allowedDomain: env.ADMIN_ALLOWED_DOMAIN,
      modelPrices: modelPricesOrThrow(env.MODEL_PRICES),
    },
  };
}

function trustProxy(value: string): TrustProxy {
  if (value === 'off') return { kind: 'off' };
  if (value === 'vercel') return { kind: 'vercel' };
  return { kind: 'hops', hops: Number(value) };
}

/** A provider is on when its id and secret are set; half a pair is a mistake worth stopping for. */
function oauthProviders(env: RawEnv): OAuthProviderConfig[] {
  const pairs = [
    ['github', 'AUTH_GITHUB', env.AUTH_GITHUB_ID, env.AUTH_GITHUB_SECRET],
    ['google', 'AUTH_GOOGLE', env.AUTH_GOOGLE_ID, env.AUTH_GOOGLE_SECRET],
    ['oidc', 'AUTH_OIDC', env.AUTH_OIDC_ID, env.AUTH_OIDC_SECRET],
  ] as const;
  const providers: OAuthProviderConfig[] = [];
  for (const [id, prefix, clientId, clientSecret] of pairs) {
    if (Boolean(clientId) !== Boolean(clientSecret)) {
      throw new ConfigError(`Invalid Tether configuration:\n  ${prefix}_ID and ${prefix}_SECRET must be set together.`);
    }
    if (!clientId || !clientSecret) continue;
    if (id === 'oidc') {
      if (!env.AUTH_OIDC_ISSUER) {
        throw new ConfigError('Invalid Tether configuration:\n  AUTH_OIDC_ISSUER: required with AUTH_OIDC_ID.');
      }
      providers.push({ id, issuer: env.AUTH_OIDC_ISSUER, clientId, clientSecret });
    } else {
      providers.push({ id, clientId, clientSecret });
    }
  }
  return providers;
}

let cached: Config | undefined;

/** The process's config, parsed on first use (not at import, so `next build` needs no env). */
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/**
 * Parses the configuration now and lists what is wrong, for the server's start-up check
 * (instrumentation.ts): a production server that would run on bad settings stops before it serves.
 */
export function configProblems(source: Record<string, string | undefined> = process.env): string[] {
  try {
    parseConfig(source);
    return [];
  } catch (error) {
    if (!(error instanceof Error) || (error as { name?: string }).name !== 'ConfigError') throw error;
    const listed = error.message
      .split('\n')
      .filter((line) => line.startsWith('  '))
      .map((line) => line.trim());
    return listed.length > 0 ? listed : [error.message];
  }
}

/**
 * LOG_MESSAGE_TEXT alone, for the per-turn log line: read without building the whole config, so a
 * caller deep in a turn does not need the runtime passed down to it.
 */
export function logMessageTextEnabled(source: Record<string, string | undefined> = process.env): boolean {
  return envSchema.shape.LOG_MESSAGE_TEXT.safeParse(source.LOG_MESSAGE_TEXT).data === 'on';
}

/** What the chat page may know about the server's setup. */
export function getPublicChatConfig(): { demoModel: boolean; maxMessageChars: number } {
  const config = getConfig();
  return { demoModel: config.model.kind === 'demo', maxMessageChars: config.prompt.messageMaxChars };
}
