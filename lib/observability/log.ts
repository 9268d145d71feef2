/**
 * The server's log: one JSON object per line on stdout (`level`, `time`, `msg`, then fields), so a
 * log collector can index it without parsing prose. Every server-side log line goes through here.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/**
 * Straight to stdout: inside `next start` console.log runs through Next's console wrappers and
 * console's own formatting, which cost more than the line's JSON (docs/benchmarks.md, "Where a
 * turn's CPU goes").
 */
const stdout = (line: string) => {
  process.stdout.write(`${line}\n`);
};

/** Where lines go; tests swap it to read them. */
let sink: (line: string) => void = stdout;

export function setLogSink(next: ((line: string) => void) | null): void {
  sink = next ?? stdout;
}

/** An Error's useful, non-secret parts; anything else as a string. */
export function errorFields(error: unknown): LogFields {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { error: error.message, errorName: error.name, ...(typeof code === 'string' ? { errorCode: code } : {}) };
  }
  return { error: String(error) };
}

function write(level: LogLevel, msg: string, fields?: LogFields): void {
  const entry: LogFields = { level, time: new Date().toISOString(), msg, ...fields };
  let line: string;
  try {
    line = JSON.stringify(entry, (_key, value: unknown) => (value instanceof Error ? errorFields(value) : value));
  } catch {
    // A field that cannot be serialised (a cycle, a BigInt) must not lose the line.
    line = JSON.stringify({ level, time: entry.time, msg, unserialisable: true });
  }
  sink(line);
}

export const log = {
  debug: (msg: string, fields?: LogFields) => write('debug', msg, fields),
  info: (msg: string, fields?: LogFields) => write('info', msg, fields),
  warn: (msg: string, fields?: LogFields) => write('warn', msg, fields),
  error: (msg: string, fields?: LogFields) => write('error', msg, fields),
};
