import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Starts a production server of the test build on its own, for the specs that need one with
 * particular settings: `next start`, or the standalone server (`node <distDir>/standalone/server.js`).
 * Collects its output, so a spec can read the log lines the server printed.
 */
export interface ProductionServer {
  url: string;
  port: number;
  /** Every stdout line so far (the JSON log). */
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface ProductionServerOptions {
  port: number;
  env: Record<string, string>;
  /** `next` (default): `next start`; `standalone`: the traced standalone server. */
  mode?: 'next' | 'standalone';
  /** Wait until /api/health answers (any status); off for servers expected to refuse to start. */
  waitForReady?: boolean;
}

export const DIST_DIR = process.env.NEXT_DIST_DIR || '.next';

export function standaloneServerFile(): string {
  return path.resolve(DIST_DIR, 'standalone', 'server.js');
}

/** Only what a deployment would set: nothing from the developer's shell leaks in. */
function baseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    ...(process.env.NEXT_DIST_DIR ? { NEXT_DIST_DIR: process.env.NEXT_DIST_DIR } : {}),
  };
}

function collectLines(stream: NodeJS.ReadableStream | null, into: string[]): void {
  let rest = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
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
  const { port, mode = 'next', waitForReady = true } = options;
  const env: NodeJS.ProcessEnv = { ...baseEnv(), ...options.env } as NodeJS.ProcessEnv;
  let child: ChildProcess;
  if (mode === 'standalone') {
    const file = standaloneServerFile();
    if (!existsSync(file)) throw new Error(`no standalone server at ${file}: build first (next build)`);
    child = spawn(process.execPath, [file], {
      cwd: path.dirname(file),
      env: { ...env, PORT: String(port), HOSTNAME: '127.0.0.1' } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } else {
    child = spawn(
      process.execPath,
      [createRequire(import.meta.url).resolve('next/dist/bin/next'), 'start', '-p', String(port), '-H', '127.0.0.1'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
  }
  const stdout: string[] = [];
  const stderr: string[] = [];
  collectLines(child.stdout, stdout);
  collectLines(child.stderr, stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const server: ProductionServer = {
    url,
    port,
    stdout,
    stderr,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  if (!waitForReady) return server;

  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (gone) {
      throw new Error(`server on ${port} exited before it was ready:\n${[...stdout, ...stderr].slice(-30).join('\n')}`);
    }
    try {
      await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
      return server;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await server.stop();
  throw new Error(`server on ${port} did not answer within 60 s:\n${[...stdout, ...stderr].slice(-30).join('\n')}`);
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
