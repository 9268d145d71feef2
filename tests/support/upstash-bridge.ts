/**
 * A local stand-in for Upstash's REST endpoint, forwarding to a real redis-server.
 *
 * It speaks the REST protocol the way `@upstash/redis` 1.39 uses it:
 * `POST /` (one command), `POST /pipeline`, `POST /multi-exec`, Bearer auth, optional base64 replies.
 * Tests use its fault switches and counters to check how the app behaves when Redis is slow, down or
 * answers nonsense, and how many HTTP round trips the app spends. Developers run it to point
 * `npm run dev` at a local Redis:
 *
 *   tsx tests/support/upstash-bridge.ts --port 8079 --token dev-token [--redis redis://127.0.0.1:6379]
 *   UPSTASH_REDIS_REST_URL=http://127.0.0.1:8079 UPSTASH_REDIS_REST_TOKEN=dev-token npm run dev
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { createClient, ErrorReply, MultiErrorReply } from 'redis';
import { BodyError, closeServer, isMainModule, listenLocal, readJsonBody, sendJson } from './http';

/**
 * - `hang`: accept the request and never answer (until stop/close or the client disconnects);
 * - `garbage`: HTTP 200 with a body that is not JSON;
 * - `error`: HTTP 500 `{"error":"ERR bridge fault"}`;
 * - `late`: run the commands on Redis, then answer only after 1.5 s (the client has given up by then:
 *   what Redis did stands, the app never heard of it).
 */
export type BridgeFault = 'hang' | 'garbage' | 'error' | 'late';

const LATE_REPLY_MS = 1500;

/** A command as forwarded to Redis: the JSON arguments, each converted to a string. */
export type RedisCommand = readonly string[];

export interface UpstashBridge {
  /** Base URL for `new Redis({ url })`, e.g. `http://127.0.0.1:8079`. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Authorized HTTP requests that carried commands, whatever the route or fault. */
  readonly roundTrips: number;
  resetRoundTrips(): void;
  /** Every command received in an authorized request, oldest first (the same array; it grows in place). */
  readonly commands: readonly RedisCommand[];
  clearCommands(): void;
  setFault(fault: BridgeFault | null): void;
  /** Stops listening and drops open connections; the port stays this bridge's for `start()`. */
  stop(): Promise<void>;
  /** Listens again on the same port after `stop()`. */
  start(): Promise<void>;
  /** Stops for good and disconnects from Redis. */
  close(): Promise<void>;
}

export interface UpstashBridgeOptions {
  /** Default `redis://127.0.0.1:6379`. */
  redisUrl?: string;
  /** The Bearer token clients must present. */
  token: string;
  /** Default 0: a random free port. */
  port?: number;
}

/** What a reply becomes in the JSON response; Upstash answers RESP2-shaped data. */
type JsonReply = string | number | null | JsonReply[];

/** One entry of a pipeline or multi-exec response. */
type ResultEntry = { result: JsonReply } | { error: string };

type Route = 'single' | 'pipeline' | 'multi-exec';

/** One request's commands, shaped by its route. */
type Batch = { route: 'single'; command: RedisCommand } | { route: 'pipeline' | 'multi-exec'; commands: RedisCommand[] };

const ROUTES: Readonly<Record<string, Route>> = { '/': 'single', '/pipeline': 'pipeline', '/multi-exec': 'multi-exec' };

/** Everything the HTTP side needs from Redis; failures that are Redis error replies reject with `ErrorReply`. */
interface CommandRunner {
  single(command: RedisCommand): Promise<unknown>;
  /** Settles each command on its own: a pipeline is not atomic and one error does not stop the rest. */
  pipeline(commands: readonly RedisCommand[]): Promise<PromiseSettledResult<unknown>[]>;
  /** Replies of a MULTI/EXEC; a command that failed inside EXEC is an `ErrorReply` in the array. */
  transaction(commands: readonly RedisCommand[]): Promise<unknown[]>;
}

export async function startUpstashBridge(opts: UpstashBridgeOptions): Promise<UpstashBridge> {
  const redis = await connectRedis(opts.redisUrl ?? 'redis://127.0.0.1:6379');
  const runner = commandRunner(redis);
  const commands: RedisCommand[] = [];
  let roundTrips = 0;
  let fault: BridgeFault | null = null;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The client keeps whatever sync token it last saw and sends it back; echoing it is all read-your-writes needs here.
    const syncToken = req.headers['upstash-sync-token'];
    const headers = typeof syncToken === 'string' ? { 'upstash-sync-token': syncToken } : {};
    const reply = (status: number, body: unknown) => sendJson(res, status, body, headers);

    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    // Liveness of the bridge itself (handy for `curl` and wait-on); it does not touch Redis.
    if (req.method === 'GET' && path === '/') return reply(200, { result: 'PONG' });
    const route = ROUTES[path];
    if (req.method !== 'POST' || route === undefined) return reply(404, { error: `ERR no route ${req.method} ${path}` });
    if (req.headers.authorization !== `Bearer ${opts.token}`) return reply(401, { error: 'Unauthorized' });

    const body = await readJsonBody(req);
    const batch: Batch =
      route === 'single' ? { route, command: parseCommand(body) } : { route, commands: parseCommandList(body) };
    roundTrips += 1;
    commands.push(...(batch.route === 'single' ? [batch.command] : batch.commands));

    if (fault === 'hang') return; // closeServer() or the client's own abort ends the socket.
    if (fault === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end('<html>definitely not JSON');
      return;
    }
    if (fault === 'error') return reply(500, { error: 'ERR bridge fault' });

    const encode = req.headers['upstash-encoding'] === 'base64' ? encodeBase64 : (value: JsonReply) => value;
    const late = fault === 'late';
    const [status, payload] = await execute(runner, batch, encode);
    if (late) await new Promise((resolve) => setTimeout(resolve, LATE_REPLY_MS));
    if (!res.destroyed) reply(status, payload);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof BodyError) return sendJson(res, error.status, { error: `ERR ${error.message}` });
      // Not a Redis error reply: the connection to Redis failed, or a reply could not be converted.
      sendJson(res, 500, { error: `ERR bridge: ${errorMessage(error)}` });
    });
  });
  const port = await listenLocal(server, opts.port ?? 0);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token: opts.token,
    get roundTrips() {
      return roundTrips;
    },
    resetRoundTrips: () => {
      roundTrips = 0;
    },
    commands,
    clearCommands: () => {
      commands.length = 0;
    },
    setFault: (next) => {
      fault = next;
    },
    stop: () => closeServer(server),
    start: async () => {
      if (!server.listening) await listenLocal(server, port);
    },
    close: async () => {
      await closeServer(server);
      redis.destroy();
    },
  };
}

async function connectRedis(url: string) {
  const client = createClient({
    url,
    // Upstash answers in RESP2 shapes (HGETALL is a flat array, not a map) and the client's deserializers expect them.
    RESP: 2,
    // While Redis is unreachable, fail requests at once instead of queueing them until it returns.
    disableOfflineQueue: true,
  });
  // Without a listener, a dropped Redis connection would crash the test process; node-redis reconnects by itself.
  client.on('error', (error: unknown) => console.error(`[upstash-bridge] redis: ${errorMessage(error)}`));
  await client.connect();
  return client;
}

type RedisConnection = Awaited<ReturnType<typeof connectRedis>>;

function commandRunner(redis: RedisConnection): CommandRunner {
  return {
    single: (command) => redis.sendCommand(command),
    // Commands issued in the same tick go out back to back on the one connection, in order.
    pipeline: (commands) => Promise.allSettled(commands.map((command) => redis.sendCommand(command))),
    transaction: async (commands) => {
      const multi = redis.multi();
      // addCommand wants a mutable array (node-redis may tag it), so hand it a copy.
      for (const command of commands) multi.addCommand([...command]);
      try {
        return (await multi.exec()) as unknown[];
      } catch (error) {
        // node-redis throws when any reply inside EXEC is an error; per the protocol those are per-command entries.
        if (error instanceof MultiErrorReply) return error.replies as unknown[];
        throw error;
      }
    },
  };
}

/** Runs one request's commands and builds the HTTP answer. Only Redis error replies are handled here. */
async function execute(
  runner: CommandRunner,
  batch: Batch,
  encode: (value: JsonReply) => JsonReply,
): Promise<[status: number, body: unknown]> {
  const entry = (reply: unknown): ResultEntry =>
    reply instanceof ErrorReply ? { error: reply.message } : { result: encode(toJsonReply(reply)) };

  if (batch.route === 'single') {
    try {
      return [200, entry(await runner.single(batch.command))];
    } catch (error) {
      if (error instanceof ErrorReply) return [400, { error: error.message }];
      throw error;
    }
  }
  if (batch.route === 'pipeline') {
    const settled = await runner.pipeline(batch.commands);
    return [
      200,
      settled.map((outcome) => {
        if (outcome.status === 'fulfilled') return entry(outcome.value);
        if (outcome.reason instanceof ErrorReply) return entry(outcome.reason);
        throw outcome.reason; // Redis is unreachable: the whole request fails, as it would at Upstash.
      }),
    ];
  }
  try {
    return [200, (await runner.transaction(batch.commands)).map(entry)];
  } catch (error) {
    // A command rejected while queueing (wrong arity, unknown command) makes Redis discard the whole transaction.
    if (error instanceof ErrorReply) {
      return [400, { error: `EXECABORT Transaction discarded because of previous errors: ${error.message}` }];
    }
    throw error;
  }
}

/**
 * Converts a RESP2 reply as node-redis decodes it. Anything unexpected throws (and becomes a 500)
 * rather than being silently mangled.
 */
function toJsonReply(reply: unknown): JsonReply {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === 'string' || typeof reply === 'number') return reply;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  // An error nested in an array (e.g. a Lua table holding one) has no per-entry slot; keep its text.
  if (reply instanceof ErrorReply) return reply.message;
  if (Array.isArray(reply)) return reply.map(toJsonReply);
  throw new TypeError(`unsupported Redis reply type: ${Object.prototype.toString.call(reply)}`);
}

/** `Upstash-Encoding: base64`: every string, at any depth and including "OK", is base64 of its UTF-8 bytes. */
function encodeBase64(value: JsonReply): JsonReply {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64');
  if (Array.isArray(value)) return value.map(encodeBase64);
  return value;
}

/** The client sends strings, numbers and booleans (objects arrive already JSON-stringified). */
function parseCommand(input: unknown): RedisCommand {
  const valid =
    Array.isArray(input) &&
    input.length > 0 &&
    input.every((arg: unknown) => ['string', 'number', 'boolean'].includes(typeof arg));
  if (!valid) throw new BodyError(400, 'a command must be a non-empty JSON array of strings, numbers or booleans');
  return input.map(String);
}

function parseCommandList(input: unknown): RedisCommand[] {
  if (!Array.isArray(input) || input.length === 0) throw new BodyError(400, 'expected a non-empty JSON array of commands');
  return input.map(parseCommand);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8079' },
      token: { type: 'string' },
      redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    },
  });
  if (!values.token) {
    console.error('usage: tsx tests/support/upstash-bridge.ts --port 8079 --token <token> [--redis <url>]');
    process.exit(2);
  }
  const bridge = await startUpstashBridge({ port: Number(values.port), token: values.token, redisUrl: values.redis });
  console.log(`upstash bridge listening on ${bridge.url} -> ${values.redis}`);
  console.log(`  UPSTASH_REDIS_REST_URL=${bridge.url} UPSTASH_REDIS_REST_TOKEN=${bridge.token}`);
}

// No top-level await: tsx runs this package's .ts files as CommonJS, where it is a syntax error.
if (isMainModule(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
