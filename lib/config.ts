import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type ModelEndpoint, parseModelEndpoints } from '@/lib/model/endpoints';
import { parseModelPrices, type ModelPrices } from '@/lib/model/prices';
import type { ModelConfig } from '@/lib/model/types';

/**
 * The only reader of process.env. Every variable is declared once (VARIABLES below: zod type,
 * default, production rule, what it does) and parsed once into typed config; a bad value fails
 * start-up with a message that names the variable.
 */

const DEFAULT_HANDOFF_MESSAGE = 'A person from our team will join this conversation shortly. You can keep writing here.';
const DEFAULT_HANDOFF_OFFLINE_MESSAGE =
  'Nobody from our team is available right now. Leave your message here and a person will answer as soon as they are back.';

const DEFAULT_SYSTEM_PROMPT =
  "You are a friendly, concise customer-support assistant. Answer the customer's questions, " +
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

/**
 * What a production server refuses to run without. `hint` follows "NAME: " in the message; `optIn`
 * names the variable that accepts the embedded default instead; `orElse` is a second variable that
 * satisfies the rule too. On Vercel a rule with `vercel: 'required'` takes no opt-in (see
 * productionProblems); the others apply there as they do on any production server.
 */
interface ProductionRule {
  hint: string;
  optIn?: 'TETHER_ALLOW_EMBEDDED_DATABASE' | 'TETHER_ALLOW_LOCAL_MEMORY' | 'TETHER_ALLOW_DEMO_MODEL';
  orElse?: string;
  vercel: 'required' | 'same';
}

/** One environment variable: its zod type (with its default), what it does, and its production rule. */
interface Variable<S extends z.ZodType> {
  schema: S;
  doc: string;
  production?: ProductionRule;
}

const variable = <S extends z.ZodType>(schema: S, doc: string, production?: ProductionRule): Variable<S> => ({
  schema,
  doc,
  ...(production ? { production } : {}),
});

const SECRET_MIN = 32;
const secretRule: ProductionRule = {
  hint: `required in production (at least ${SECRET_MIN} characters; openssl rand -base64 48)`,
  vercel: 'required',
};
const secret = z.preprocess(emptyAsUndefined, z.string().min(SECRET_MIN, 'must be at least 32 characters').optional());
const postgresUrl = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
);

/**
 * Every variable Tether reads, declared once: the schema, the typed config (Config is inferred from
 * what parseConfig builds out of these), the production refusals, the launcher the tests and
 * benchmarks share (tests/support/launcher.ts) and the check of .env.example and the docs'
 * tables (tests/unit/config-docs.test.ts) all come from this table.
 */
export const VARIABLES = {
  NODE_ENV: variable(
    z.enum(['development', 'production', 'test']).default('development'),
    'Set by Next (next dev / next start).',
  ),
  TETHER_DATA_DIR: variable(
    z.preprocess(emptyAsUndefined, z.string().default('.data')),
    'Git-ignored folder for the embedded database, development secrets and the local audit outbox.',
  ),
  SESSION_SECRET: variable(
    secret,
    'Signs session ids (HMAC-SHA256); generated into the data folder in development.',
    secretRule,
  ),
  AUTH_SECRET: variable(
    secret,
    'Signs admin sign-in cookies (next-auth); generated like SESSION_SECRET in development.',
    secretRule,
  ),
  DATABASE_URL: variable(postgresUrl, 'PostgreSQL for the audit trail; unset: the embedded PGlite database.', {
    hint: 'required in production (or TETHER_ALLOW_EMBEDDED_DATABASE=on for the embedded PGlite database)',
    optIn: 'TETHER_ALLOW_EMBEDDED_DATABASE',
    vercel: 'required',
  }),
  DATABASE_PREPARE: variable(
    onOff('on'),
    'off behind a transaction pooler (PgBouncer, Supavisor, Neon pooled): no prepared statements.',
  ),
  DATABASE_MIGRATE_ON_START: variable(
    onOff('off'),
    'on: the server applies drizzle/ to DATABASE_URL when it starts (the Docker image sets it).',
  ),
  DATABASE_MIGRATION_URL: variable(
    postgresUrl,
    'A direct (not pooled) connection for migrations, when DATABASE_URL is pooled.',
  ),
  UPSTASH_REDIS_REST_URL: variable(
    optionalUrl,
    'Upstash Redis (REST) for conversation memory; unset: in-process memory.',
    {
      hint: 'required in production (or TETHER_ALLOW_LOCAL_MEMORY=on for in-process memory, one instance only)',
      optIn: 'TETHER_ALLOW_LOCAL_MEMORY',
      vercel: 'required',
    },
  ),
  UPSTASH_REDIS_REST_TOKEN: variable(optionalString, 'Token of UPSTASH_REDIS_REST_URL (both or neither).'),
  REDIS_TIMEOUT_MS: variable(int(50, 10_000, 1000), 'A memory call slower than this counts as unavailable (ms).'),
  MEMORY_KEY_PREFIX: variable(
    z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^[a-z0-9:_-]+$/i)
        .default('tether'),
    ),
    'Namespace of every Redis key.',
  ),
  OPENAI_API_KEY: variable(optionalString, 'OpenAI key; neither key nor base URL: the offline demo model.', {
    hint: 'required in production (or TETHER_ALLOW_DEMO_MODEL=on for the offline demo model)',
    optIn: 'TETHER_ALLOW_DEMO_MODEL',
    orElse: 'OPENAI_BASE_URL',
    vercel: 'same',
  }),
  OPENAI_BASE_URL: variable(optionalUrl, 'Any OpenAI-compatible server (Azure OpenAI, Ollama, vLLM).'),
  OPENAI_MODEL: variable(
    z.preprocess(emptyAsUndefined, z.string().default('gpt-4o-mini')),
    'Model name sent to the server.',
  ),
  OPENAI_TIMEOUT_MS: variable(
    int(1_000, 600_000, 30_000),
    'No token for this long (first, or between tokens): a timeout (ms).',
  ),
  OPENAI_MAX_RETRIES: variable(int(0, 10, 2), 'Retries of 429/5xx/connection failures before the first token.'),
  OPENAI_MAX_OUTPUT_TOKENS: variable(int(16, 32_000, 800), 'Longest reply, in tokens.'),
  OPENAI_TEMPERATURE: variable(
    z.preprocess(emptyAsUndefined, z.coerce.number().min(0).max(2).default(0.3)),
    'Sampling temperature.',
  ),
  SYSTEM_PROMPT: variable(optionalString, "The assistant's instructions (wins over SYSTEM_PROMPT_FILE)."),
  SYSTEM_PROMPT_FILE: variable(optionalString, "A file holding the assistant's instructions."),
  MEMORY_TTL_SECONDS: variable(
    int(1, 30 * 24 * 3600, 1800),
    "Sliding time to live of an inactive conversation's memory (s).",
  ),
  MEMORY_MAX_TURNS: variable(int(1, 200, 10), 'Exchanges remembered at most.'),
  MEMORY_MAX_TOKENS: variable(int(256, 1_000_000, 6000), "Sum of the remembered messages' token estimates at most."),
  MEMORY_SUMMARY: variable(onOff(), 'Rolling summary of turns that left the window (default: on with a real model).'),
  MEMORY_SUMMARY_MAX_TOKENS: variable(int(32, 4000, 300), "The rolling summary's length."),
  PROMPT_MAX_TOKENS: variable(int(256, 1_000_000, 8000), 'Token budget of everything sent to the model.'),
  MESSAGE_MAX_CHARS: variable(int(100, 100_000, 4000), 'Longest customer message, in characters.'),
  TURN_LOCK_WAIT_MS: variable(
    int(0, 60_000, 5000),
    'How long a message waits for the previous one of its conversation (ms).',
  ),
  TURN_LEASE_MS: variable(
    int(1000, 60_000, 4000),
    'How long a running turn holds its conversation unless renewed (ms).',
  ),
  CHAT_RATE_LIMIT_PER_MINUTE: variable(int(0, 10_000, 20), 'Messages one conversation may send per minute (0: off).'),
  /** Abuse limits (0: off). See docs/security.md for why these defaults. */
  SESSION_CREATE_PER_IP_PER_MINUTE: variable(
    int(0, 100_000, 60),
    'New sessions per client address per minute (0: off).',
  ),
  CHAT_PER_IP_PER_MINUTE: variable(
    int(0, 100_000, 120),
    'Messages per client address per minute, all its sessions (0: off).',
  ),
  MODEL_CALLS_PER_MINUTE: variable(int(0, 10_000_000, 0), 'Model calls per minute for the whole deployment (0: off).'),
  /** Per-address limits of the endpoints around a turn (docs/security.md, "Limits"). */
  STOP_PER_IP_PER_MINUTE: variable(int(0, 100_000, 60), 'Stop requests per client address per minute (0: off).'),
  FEEDBACK_PER_IP_PER_MINUTE: variable(int(0, 100_000, 60), 'Ratings per client address per minute (0: off).'),
  MESSAGES_PER_IP_PER_MINUTE: variable(int(0, 100_000, 120), 'History reloads per client address per minute (0: off).'),
  HEALTH_PER_IP_PER_MINUTE: variable(
    int(0, 100_000, 120),
    'Anonymous /api/health calls per address per minute (0: off).',
  ),
  RESUME_PER_IP_PER_MINUTE: variable(int(0, 100_000, 60), 'Resume requests per client address per minute (0: off).'),
  RESUME_STREAMS_PER_SESSION: variable(
    int(0, 1000, 3),
    'Resume streams open at once on one instance, per conversation.',
  ),
  RESUME_STREAMS_PER_IP: variable(int(0, 100_000, 20), 'Resume streams open at once on one instance, per address.'),
  HEALTH_CACHE_MS: variable(
    int(0, 60_000, 1500),
    'How long an anonymous readiness answer is reused (0: probe every call).',
  ),
  RATE_LIMIT_IPV6_PREFIX: variable(int(16, 128, 64), 'IPv6 clients are limited per network of this prefix length.'),
  TRUST_PROXY: variable(
    z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^(off|vercel|[1-9]|10)$/, 'must be off, vercel or a hop count from 1 to 10')
        .optional(),
    ),
    'Who the client is: off (the socket address), a hop count N (Nth X-Forwarded-For from the right), vercel.',
  ),
  WIDGET_ALLOWED_ORIGINS: variable(
    z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .transform((list) =>
          list
            .split(',')
            .map((item) => item.trim())
            .filter(Boolean),
        )
        .pipe(
          z.array(
            z
              .string()
              .refine(isOrigin, 'must be a comma-separated list of origins such as https://shop.example (no path)'),
          ),
        )
        .optional(),
    ),
    'Comma-separated origins (https://shop.example) that may frame /widget; unset: same origin only.',
  ),
  WIDGET_IDENTITY_SECRET: variable(
    secret,
    "Shared with the host site's server, which signs its signed-in customers (HS256 JWT; docs/identity.md).",
  ),
  WIDGET_IDENTITY_REQUIRED: variable(onOff('off'), 'on: every conversation must come from a verified customer.'),
  SERVER_HEADERS_TIMEOUT_MS: variable(
    int(1_000, 600_000, 10_000),
    'Self-hosted server: request headers within this long (ms).',
  ),
  SERVER_REQUEST_TIMEOUT_MS: variable(
    int(1_000, 3_600_000, 30_000),
    'Self-hosted server: a whole request body within this long (ms).',
  ),
  ADMIN_IDLE_TIMEOUT_MINUTES: variable(int(5, 24 * 60, 60), 'An admin who does nothing for this long signs in again.'),
  HANDOFF_MESSAGE: variable(optionalString, 'What a customer reads when a person is asked for and an agent is online.'),
  HANDOFF_OFFLINE_MESSAGE: variable(optionalString, 'What a customer reads when a person is asked for and nobody is online.'),
  HANDOFF_MODEL_TOOL: variable(onOff('on'), 'on: the model may hand a conversation to a person (handoff_to_human).'),
  HANDOFF_AFTER_MODEL_ERRORS: variable(int(0, 100, 3), 'Model errors in a conversation after which a person is asked for (0: never).'),
  AGENT_SILENCE_MINUTES: variable(int(1, 24 * 60, 10), 'An agent who says nothing this long puts the conversation back in the queue.'),
  AUDIT_REDACT: variable(
    z.preprocess(emptyAsUndefined, z.enum(['off', 'mask']).default('off')),
    'mask: store e-mails, phones, cards, IBANs masked.',
  ),
  AUDIT_RETENTION_DAYS: variable(
    z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).optional()),
    'Delete audit data older than this many days (unset: keep forever).',
  ),
  AUDIT_IP_SALT: variable(optionalString, 'Salt of the hashed client address (default: SESSION_SECRET).'),
  CRON_SECRET: variable(optionalString, 'Bearer secret of the cron routes.'),
  AUTH_GITHUB_ID: variable(optionalString, 'GitHub sign-in for /admin (with its secret).'),
  AUTH_GITHUB_SECRET: variable(optionalString, 'GitHub sign-in for /admin (with its id).'),
  AUTH_GOOGLE_ID: variable(optionalString, 'Google sign-in for /admin (with its secret).'),
  AUTH_GOOGLE_SECRET: variable(optionalString, 'Google sign-in for /admin (with its id).'),
  AUTH_OIDC_ISSUER: variable(optionalUrl, 'OIDC issuer of the generic provider.'),
  AUTH_OIDC_ID: variable(optionalString, 'OIDC sign-in for /admin (with its secret and issuer).'),
  AUTH_OIDC_SECRET: variable(optionalString, 'OIDC sign-in for /admin (with its id and issuer).'),
  ADMIN_ALLOWED_EMAILS: variable(
    z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .transform((list) =>
          list
            .split(',')
            .map((item) => item.trim().toLowerCase())
            .filter(Boolean),
        )
        .pipe(z.array(z.email('must be a comma-separated list of e-mail addresses')))
        .optional(),
    ),
    'Comma-separated e-mail addresses that may sign in to /admin through an OAuth/OIDC provider.',
  ),
  HEALTH_TOKEN: variable(
    z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
    "Bearer token that unlocks /api/health's per-backend details.",
  ),
  LOG_MESSAGE_TEXT: variable(onOff('off'), 'on: customer and assistant text in the per-turn log line.'),
  OTEL_EXPORTER_OTLP_ENDPOINT: variable(
    optionalUrl,
    'OTLP/HTTP collector (http://127.0.0.1:4318); traces are exported only when set.',
  ),
  OTEL_SERVICE_NAME: variable(
    z.preprocess(emptyAsUndefined, z.string().default('tether')),
    'service.name of the exported traces.',
  ),
  TETHER_ALLOW_EMBEDDED_DATABASE: variable(onOff('off'), 'on: a production server may run on PGlite.'),
  TETHER_ALLOW_LOCAL_MEMORY: variable(
    onOff('off'),
    'on: a production server may run on in-process memory (one instance only).',
  ),
  TETHER_ALLOW_DEMO_MODEL: variable(onOff('off'), 'on: a production server may run on the offline demo model.'),
  MODEL_PRICES: variable(
    optionalString,
    "JSON: model -> dollars per million input/output tokens, for the admin overview's cost.",
  ),
  REPLAY_ENDPOINTS: variable(
    optionalString,
    'JSON: more OpenAI-compatible endpoints and models a replay may run against (docs/review.md).',
  ),
  REPLAY_CALLS_PER_MINUTE: variable(int(0, 100_000, 60), 'Model calls per minute of replays, per instance (0: off).'),
  ADMIN_ALLOWED_DOMAIN: variable(
    z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .transform((domain) => domain.trim().toLowerCase().replace(/^@/, ''))
        .pipe(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'must be a domain such as example.com'))
        .optional(),
    ),
    'A domain (example.com) whose verified addresses may sign in to /admin through an OAuth/OIDC provider.',
  ),
};

export type ConfigVariable = keyof typeof VARIABLES;

type Schemas = { [K in ConfigVariable]: (typeof VARIABLES)[K]['schema'] };

const envSchema = z.object(
  Object.fromEntries(Object.entries(VARIABLES).map(([name, declared]) => [name, declared.schema])) as Schemas,
);

export type RawEnv = z.infer<typeof envSchema>;

/**
 * The parsed configuration: inferred from what parseConfig builds out of VARIABLES, so a variable is
 * declared once (its name, type and default there) and nowhere by hand again.
 */
export type Config = ReturnType<typeof parseConfig>;

export type DatabaseConfig = { kind: 'postgres'; url: string; prepare?: boolean } | { kind: 'pglite'; dir: string };

export type MemoryBackendConfig = { kind: 'redis'; url: string; token: string; timeoutMs: number } | { kind: 'local' };

export type TrustProxy = { kind: 'off' } | { kind: 'hops'; hops: number } | { kind: 'vercel' };

export type OAuthProviderConfig =
  | { id: 'github' | 'google'; clientId: string; clientSecret: string }
  | { id: 'oidc'; issuer: string; clientId: string; clientSecret: string };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function formatIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`).join('\n');
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
  for (const [name, declared] of Object.entries(VARIABLES) as [ConfigVariable, Variable<z.ZodType>][]) {
    const rule = declared.production;
    if (!rule || value(name) || (rule.orElse && value(rule.orElse))) continue;
    if (vercel && rule.vercel === 'required') {
      problems.push(`${name}: required in a Vercel deployment (see docs/deploy.md)`);
    } else if (!rule.optIn || value(rule.optIn) !== 'on') {
      problems.push(`${rule.orElse ? `${name} or ${rule.orElse}` : name}: ${rule.hint}`);
    }
  }
  return problems;
}

function modelEndpointsOrThrow(raw: string | undefined): ModelEndpoint[] {
  try {
    return parseModelEndpoints(raw);
  } catch (error) {
    throw new ConfigError(`Invalid Tether configuration:\n  ${(error as Error).message}`);
  }
}

function modelPricesOrThrow(raw: string | undefined): ModelPrices {
  try {
    return parseModelPrices(raw);
  } catch (error) {
    throw new ConfigError(`Invalid Tether configuration:\n  ${(error as Error).message}`);
  }
}

export function parseConfig(source: Record<string, string | undefined>) {
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
  const database: DatabaseConfig = env.DATABASE_URL
    ? { kind: 'postgres', url: env.DATABASE_URL, ...(env.DATABASE_PREPARE === 'off' ? { prepare: false } : {}) }
    : { kind: 'pglite', dir: path.join(dataDir, 'pglite') };
  const backend: MemoryBackendConfig =
    env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN
      ? {
          kind: 'redis',
          url: env.UPSTASH_REDIS_REST_URL,
          token: env.UPSTASH_REDIS_REST_TOKEN,
          timeoutMs: env.REDIS_TIMEOUT_MS,
        }
      : { kind: 'local' };

  return {
    env: env.NODE_ENV,
    /** Instances live for one request (Vercel): no background loops, work runs in after() and cron routes. */
    serverless: Boolean(source.VERCEL),
    dataDir,
    sessionSecret,
    // Like SESSION_SECRET in development; elsewhere admin sign-in stays off until AUTH_SECRET is set.
    authSecret: env.AUTH_SECRET ?? (env.NODE_ENV === 'development' ? persistedDevSecret(dataDir, 'auth') : undefined),
    database,
    startup: { migrateDatabase: env.DATABASE_MIGRATE_ON_START === 'on', migrationUrl: env.DATABASE_MIGRATION_URL },
    memory: {
      backend,
      keyPrefix: env.MEMORY_KEY_PREFIX,
      ttlSeconds: env.MEMORY_TTL_SECONDS,
      maxTurns: env.MEMORY_MAX_TURNS,
      maxTokens: env.MEMORY_MAX_TOKENS,
      lockWaitMs: env.TURN_LOCK_WAIT_MS,
      /** A running turn's hold on its conversation, renewed while the model streams; a crash frees it this fast. */
      leaseMs: env.TURN_LEASE_MS,
      /** Messages one conversation may send per minute (0: no limit). */
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
      /** How the client's address is found (lib/chat/client-info.ts). */
      trustProxy: trustProxy(env.TRUST_PROXY ?? (source.VERCEL ? 'vercel' : 'off')),
      /** Origins that may frame /widget (CSP frame-ancestors); empty = same origin only. */
      widgetAllowedOrigins: (env.WIDGET_ALLOWED_ORIGINS ?? []).map((origin) => origin.replace(/\/$/, '')),
      serverHeadersTimeoutMs: env.SERVER_HEADERS_TIMEOUT_MS,
      serverRequestTimeoutMs: env.SERVER_REQUEST_TIMEOUT_MS,
    },
    /** Abuse limits per minute; 0 turns one off. */
    limits: {
      sessionCreatePerIp: env.SESSION_CREATE_PER_IP_PER_MINUTE,
      chatPerIp: env.CHAT_PER_IP_PER_MINUTE,
      modelCallsGlobal: env.MODEL_CALLS_PER_MINUTE,
      stopPerIp: env.STOP_PER_IP_PER_MINUTE,
      feedbackPerIp: env.FEEDBACK_PER_IP_PER_MINUTE,
      messagesPerIp: env.MESSAGES_PER_IP_PER_MINUTE,
      healthPerIp: env.HEALTH_PER_IP_PER_MINUTE,
      resumePerIp: env.RESUME_PER_IP_PER_MINUTE,
      /** Concurrent resume streams on one instance (not per minute). */
      resumeStreamsPerSession: env.RESUME_STREAMS_PER_SESSION,
      resumeStreamsPerIp: env.RESUME_STREAMS_PER_IP,
      healthCacheMs: env.HEALTH_CACHE_MS,
      ipv6Prefix: env.RATE_LIMIT_IPV6_PREFIX,
    },
    /** Identity verification of the host site's customers (lib/identity, docs/identity.md). */
    identity: {
      /** HS256 key shared with the host site; undefined: tokens are refused with identity_not_configured. */
      secret: env.WIDGET_IDENTITY_SECRET,
      /** Anonymous conversations are refused (creation and every use of an anonymous id). */
      required: env.WIDGET_IDENTITY_REQUIRED === 'on',
    },
    /** A person stepping in (lib/handoff, docs/handoff.md). */
    handoff: {
      message: env.HANDOFF_MESSAGE ?? DEFAULT_HANDOFF_MESSAGE,
      offlineMessage: env.HANDOFF_OFFLINE_MESSAGE ?? DEFAULT_HANDOFF_OFFLINE_MESSAGE,
      modelTool: env.HANDOFF_MODEL_TOOL === 'on',
      afterModelErrors: env.HANDOFF_AFTER_MODEL_ERRORS,
      agentSilenceMs: env.AGENT_SILENCE_MINUTES * 60_000,
    },
    admin: {
      /** Signed-in agents who do nothing for this long must sign in again. */
      idleTimeoutSeconds: env.ADMIN_IDLE_TIMEOUT_MINUTES * 60,
      /** OAuth/OIDC providers whose id and secret are both set; the Credentials provider is always on. */
      oauth: oauthProviders(env),
      allowedEmails: env.ADMIN_ALLOWED_EMAILS ?? [],
      allowedDomain: env.ADMIN_ALLOWED_DOMAIN,
      /** MODEL_PRICES, validated (lib/model/prices.ts). */
      modelPrices: modelPricesOrThrow(env.MODEL_PRICES),
    },
    /** Replays of recorded turns against a candidate prompt or model (lib/review/replay, docs/review.md). */
    replay: {
      endpoints: modelEndpointsOrThrow(env.REPLAY_ENDPOINTS),
      callsPerMinute: env.REPLAY_CALLS_PER_MINUTE,
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
