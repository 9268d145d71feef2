import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type ConfigVariable, VARIABLES } from '@/lib/config';

/**
 * The one way tests and benchmarks start a production server of a build: `next start`, or the
 * standalone server (`node <distDir>/standalone/server.js`). Its environment is built here, once,
 * from a typed options object: Tether's settings by their declared names (lib/config.ts), every
 * other declared variable set empty, so nothing from the developer's shell or a .env file leaks
 * in (Next does not override a variable that is already set, even to nothing).
 */

/** Tether's settings for one server, by the names lib/config.ts declares (a typo does not compile). */
export type Settings = Partial<Record<ConfigVariable, string>>;

/** The build the production tests use (`npm test` builds it): NEXT_DIST_DIR, default .next-test. */
export const DIST_DIR = process.env.NEXT_DIST_DIR || '.next-test';

export function buildExists(distDir: string = DIST_DIR): boolean {
  return existsSync(path.join(distDir, 'BUILD_ID'));
}

export function standaloneServerFile(distDir: string = DIST_DIR): string {
  return path.resolve(distDir, 'standalone', 'server.js');
}

export interface ProductionServerOptions {
  port: number;
  /** Tether's settings; NODE_ENV is production unless set here. */
  env: Settings;
  /** The build to serve (becomes NEXT_DIST_DIR); default DIST_DIR. */
  distDir?: string;
  /** `next` (default): `next start`; `standalone`: the traced standalone server. */
  mode?: 'next' | 'standalone';
  /** Working folder of `next start` (default: this process's). */
  cwd?: string;
  /** collect (default): kept for assertions; inherit: this process's own stdout/stderr; file: written there. */
  output?: 'collect' | 'inherit' | { file: string };
  /** Wait until /api/health answers (any status); off for servers expected to refuse to start. */
  waitForReady?: boolean;
  /** Which /api/health status counts as ready (default: any answer). */
  readyWhen?: (status: number) => boolean;
}

export interface ProductionServer {
  url: string;
  port: number;
  pid: number;
  /** Every stdout line so far (the JSON log), with output 'collect'. */
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
  /** stdout and stderr as they arrived, with output 'collect'. */
  output(): string;
  /** Resolves with the exit code when the process ends (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  running(): boolean;
  /**
   * Sends the signal (SIGTERM by default) and resolves when the process is gone; after `graceMs`
   * (default 5 s; null: never) a lingering SIGTERMed process gets SIGKILL.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number | null): Promise<void>;
}

/** The server's whole environment. */
export function serverEnv(
  options: Pick<ProductionServerOptions, 'env' | 'distDir' | 'mode' | 'port'>,
): NodeJS.ProcessEnv {
  const blank = Object.fromEntries(
    (Object.keys(VARIABLES) as ConfigVariable[]).filter((name) => name !== 'NODE_ENV').map((name) => [name, '']),
  );
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    NEXT_DIST_DIR: options.distDir ?? DIST_DIR,
    ...blank,
    ...options.env,
    ...(options.mode === 'standalone' ? { PORT: String(options.port), HOSTNAME: '127.0.0.1' } : {}),
  } as NodeJS.ProcessEnv;
}

function collectLines(stream: NodeJS.ReadableStream | null, into: string[], all: { text: string }): void {
  let rest = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    all.text += chunk;
    rest += chunk;
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    into.push(...lines);
  });
  stream?.on('end', () => {
    if (rest) into.push(rest);
  });
}

export async function startProductionServer(options: ProductionServerOptions): Promise<ProductionServer> {
  const { port, mode = 'next', waitForReady = true, output = 'collect', readyWhen = () => true } = options;
  const distDir = options.distDir ?? DIST_DIR;
  const env = serverEnv({ ...options, distDir });
  const stdio: StdioOptions = output === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'];
  let child: ChildProcess;
  if (mode === 'standalone') {
    const file = standaloneServerFile(distDir);
    if (!existsSync(file)) throw new Error(`no standalone server at ${file}: build first (next build)`);
    child = spawn(process.execPath, [file], { cwd: path.dirname(file), env, stdio });
  } else {
    const next = createRequire(import.meta.url).resolve('next/dist/bin/next');
    child = spawn(process.execPath, [next, 'start', '-p', String(port), '-H', '127.0.0.1'], {
      cwd: options.cwd,
      env,
      stdio,
    });
  }
  const stdout: string[] = [];
  const stderr: string[] = [];
  const all = { text: '' };
  if (typeof output === 'object') {
    const file = createWriteStream(output.file);
    child.stdout?.pipe(file);
    child.stderr?.pipe(file);
  } else {
    collectLines(child.stdout, stdout, all);
    collectLines(child.stderr, stderr, all);
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  const tail = () =>
    typeof output === 'object'
      ? readFileSync(output.file, 'utf8').slice(-3000)
      : all.text.split('\n').slice(-30).join('\n');
  const url = `http://127.0.0.1:${port}`;
  const server: ProductionServer = {
    url,
    port,
    pid: child.pid ?? -1,
    stdout,
    stderr,
    output: () => all.text,
    exited,
    running,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs: number | null = 5000) {
      if (!running()) return;
      child.kill(signal);
      const timer =
        signal === 'SIGTERM' && graceMs !== null ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined;
      await exited;
      clearTimeout(timer);
    },
  };
  if (!waitForReady) return server;

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!running())
      throw new Error(
        `server on ${port} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail()}`,
      );
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (readyWhen(response.status)) return server;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await server.stop();
  throw new Error(`server on ${port} did not answer within 60 s:\n${tail()}`);
}

/** The JSON log lines a server printed, parsed (other lines, e.g. Next's banner, are skipped). */
export function jsonLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
