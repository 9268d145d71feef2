/**
 * A stable class for a failure of a memory call, for logs and the audit's error_class. Read from the
 * error's name and code, never instanceof: the error may come from another copy of a module.
 */
export function classifyMemoryError(error: unknown): string {
  if (!(error instanceof Object)) return 'unknown';
  const { name, code } = error as { name?: unknown; code?: unknown };
  if (code === 'corrupt_record') return 'corrupt_record';
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  if (name === 'UpstashJSONParseError' || name === 'SyntaxError' || name === 'ZodError') return 'bad_response';
  if (name === 'UpstashError') return 'redis_error';
  if (typeof code === 'string' && /^[a-z_]+$/.test(code)) return code;
  return 'connection';
}
