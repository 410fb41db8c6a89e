/**
 * The line the caller of `below` runs on (by default, this function's caller), read as spanlens reads
 * call sites (V8's structured frames): under Jest both are lines of the transpiled test, which a
 * formatted `Error.stack` would map back to TypeScript.
 */
export function lineOfCaller(below: Function = lineOfCaller): number {
  const previous = Error.prepareStackTrace;
  const holder: { stack?: unknown } = {};
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.captureStackTrace(holder, below);
    return (holder.stack as NodeJS.CallSite[])[0]!.getLineNumber()!;
  } finally {
    Error.prepareStackTrace = previous;
  }
}
