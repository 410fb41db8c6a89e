import { findSourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where the application issued an operation: the first stack frame of the app's own code. */
export interface CallSite {
  /** Relative to the working directory, with `/` separators. */
  file: string;
  line: number;
  /** As V8 names it (`listMeetings`, `MeetingService.load`, `Object.<anonymous>`); `<anonymous>` when unnamed. */
  function: string;
}

/**
 * The parts of V8's structured stack frame (`NodeJS.CallSite`) a call site is read from: only the app's
 * frame gets its line computed and its name built, so a capture costs a fraction of a formatted stack.
 */
export interface StackFrame {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  getFunctionName(): string | null;
  getTypeName(): string | null;
  getMethodName(): string | null;
  isToplevel(): boolean;
  isConstructor(): boolean;
  isEval(): boolean;
  isNative(): boolean;
  isAsync?(): boolean;
}

/**
 * Frames captured for one call site: enough to get past spanlens, OpenTelemetry, the driver, the ORM and
 * Node's own `fetch` (about 40 frames) to the app's; more would only cost time.
 */
export const CALL_SITE_STACK_LIMIT = 64;

const ANONYMOUS = '<anonymous>';

/**
 * Finds the application's frame in a stack: the first frame in a file that is not Node's own (`node:`),
 * not under `node_modules`, and not in spanlens itself. `null` when the stack shows none — an ORM that
 * breaks the `await` chain (callbacks, Bluebird, `.then` chains) hides the app, and then spanlens says so
 * rather than guess. With source maps on (`--enable-source-maps`), the position is the original one.
 */
export class CallSiteFinder {
  /** spanlens' own directories, as paths and as `file:` URLs (how ES module frames name their files). */
  private readonly ownPrefixes: readonly string[];

  /** `ownDirectories`: spanlens' own code, never the app's (defaults to this installation's). */
  constructor(ownDirectories: readonly string[] = SPANLENS_DIRECTORIES) {
    this.ownPrefixes = ownDirectories.flatMap((directory) => {
      const absolute = path.resolve(directory);
      return [withTrailing(absolute, path.sep), withTrailing(pathToFileURL(absolute).href, '/')];
    });
  }

  /** The call site among `frames` (innermost first), with its file relative to `cwd`. */
  find(frames: readonly StackFrame[], cwd: string = process.cwd()): CallSite | null {
    for (const frame of frames) {
      // Each call into a frame costs a few hundred nanoseconds: the file's name first, the rest for the app's frame.
      const location = frame.getFileName();
      if (typeof location !== 'string' || !this.isApplication(location) || frame.isNative() || frame.isEval()) continue;
      const line = frame.getLineNumber();
      if (line === null) continue;
      const original = originalPosition(location, line, frame);
      const file = absoluteFileOf(original.location);
      if (file === undefined) continue;
      return { file: relativeFile(cwd, file), line: original.line, function: functionNameOf(frame) };
    }
    return null;
  }

  /**
   * The call site of the code running now. Costs one stack capture (about 10 µs): call it once per
   * finding, never per operation.
   */
  capture(): CallSite | null {
    const frames = captureFrames();
    return frames === undefined ? null : this.find(frames);
  }

  private isApplication(location: string): boolean {
    if (!location.startsWith('file://') && !path.isAbsolute(location)) return false; // node:, native, eval
    if (location.includes('/node_modules/') || location.includes(`${path.sep}node_modules${path.sep}`)) return false;
    return !this.ownPrefixes.some((prefix) => location.startsWith(prefix));
  }
}

/** The position in the original source when a source map covers it (`--enable-source-maps`), else as given. */
function originalPosition(location: string, line: number, frame: StackFrame): { location: string; line: number } {
  if (process.sourceMapsEnabled !== true) return { location, line };
  try {
    const entry = findSourceMap(location)?.findEntry(line - 1, (frame.getColumnNumber() ?? 1) - 1);
    if (entry !== undefined && 'originalSource' in entry && typeof entry.originalSource === 'string') {
      return { location: entry.originalSource, line: entry.originalLine + 1 };
    }
  } catch {
    // A broken source map: the generated position is still true.
  }
  return { location, line };
}

/**
 * The frame's function as V8 would print it, without the `[as alias]` and `new ` it adds:
 * `Type.method` for a method call, the function's own name otherwise.
 */
function functionNameOf(frame: StackFrame): string {
  const name = frame.getFunctionName();
  if (frame.isAsync?.() === true || frame.isToplevel() || frame.isConstructor()) return name || ANONYMOUS;
  const type = frame.getTypeName();
  if (name) return type && !name.startsWith(`${type}.`) ? `${type}.${name}` : name;
  return `${type ?? ANONYMOUS}.${frame.getMethodName() ?? ANONYMOUS}`;
}

/** A frame's file as an absolute path; `undefined` when it names none. */
function absoluteFileOf(location: string): string | undefined {
  if (location.startsWith('file://')) {
    try {
      return fileURLToPath(location);
    } catch {
      return undefined;
    }
  }
  return path.isAbsolute(location) ? location : undefined;
}

function relativeFile(cwd: string, file: string): string {
  return path.relative(cwd, file).split(path.sep).join('/');
}

function withTrailing(prefix: string, separator: string): string {
  return prefix.endsWith(separator) ? prefix : prefix + separator;
}

/**
 * The current stack as structured frames, at most {@link CALL_SITE_STACK_LIMIT} of them, whatever limit
 * or `Error.prepareStackTrace` the app set (both are put back before returning).
 */
function captureFrames(): readonly StackFrame[] | undefined {
  const previousLimit = Error.stackTraceLimit;
  const previousPrepare = Error.prepareStackTrace;
  const holder: { stack?: unknown } = {};
  try {
    Error.stackTraceLimit = CALL_SITE_STACK_LIMIT;
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.captureStackTrace(holder);
    return Array.isArray(holder.stack) ? (holder.stack as StackFrame[]) : undefined;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = previousPrepare;
    Error.stackTraceLimit = previousLimit;
  }
}

/**
 * spanlens' own code, from where this module was loaded: its source tree (`dist/src` or `src`) and the
 * bundled instrumentations beside it. Found from a stack frame, which works for ES modules and CommonJS.
 */
function spanlensDirectories(): string[] {
  const location = captureFrames()?.[0]?.getFileName();
  const file = typeof location === 'string' ? absoluteFileOf(location) : undefined;
  if (file === undefined) return [];
  const sourceRoot = path.resolve(path.dirname(file), '..');
  return [sourceRoot, path.join(path.dirname(sourceRoot), 'instrumentations')];
}

const SPANLENS_DIRECTORIES = spanlensDirectories();
