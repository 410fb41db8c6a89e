/** A failure the user can act on; its message is the one line printed after `spanlens: `. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
};

/** A short human reason for a system or fetch error, on one line. */
export function describeError(error: unknown): string {
  const code = errorCode(error);
  if (code !== undefined && REASONS[code] !== undefined) return REASONS[code];
  const cause = isErrorLike(error) && isErrorLike(error.cause) ? error.cause : error;
  return oneLine(isErrorLike(cause) ? cause.message : String(cause));
}

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

interface ErrorLike {
  message: string;
  name?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
}

// Duck-typed rather than `instanceof Error`: errors from Node's internals may come from another realm.
export function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

// fetch wraps the socket error in `cause`; a connection to several addresses fails with an AggregateError.
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; isErrorLike(current) && depth < 4; depth += 1) {
    if (typeof current.code === 'string') return current.code;
    current = Array.isArray(current.errors) && current.errors.length > 0 ? current.errors[0] : current.cause;
  }
  return undefined;
}
