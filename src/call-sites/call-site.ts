import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the application issued an operation: the first stack frame of the app's own code. */
export interface CallSite {
  /** Relative to the working directory, with `/` separators. */
  file: string;
  line: number;
  /** As V8 names it (`listMeetings`, `MeetingService.load`, `Object.<anonymous>`); `<anonymous>` when unnamed. */
  function: string;
}

/**
 * Frames captured for one call site: enough to get past spanlens, OpenTelemetry, the driver, the ORM and
 * Node's own `fetch` (about 40 frames) to the app's; more would only cost time.
 */
export const CALL_SITE_STACK_LIMIT = 64;

const ANONYMOUS = '<anonymous>';
// `    at [async ][new ]name (location)`, where the name may itself hold parentheses and brackets.
const NAMED_FRAME = /^\s*at (?:async )?(?:new )?(.*?) \((.*)\)$/;
// `    at [async ]location`: top-level code and anonymous functions.
const UNNAMED_FRAME = /^\s*at (?:async )?(.*)$/;
const LOCATION = /^(.*):(\d+):\d+$/;
// `Object.foo [as bar]`: the alias is how it was called, the name is how it is written.
const ALIAS = / \[as [^\]]*\]$/;

/**
 * Finds the application's frame in a V8 stack trace: the first frame in a file that is not Node's own
 * (`node:`), not under `node_modules`, and not in spanlens itself. `null` when the stack shows none —
 * an ORM that breaks the `await` chain (callbacks, Bluebird, `.then` chains) hides the app, and then
 * spanlens says so rather than guess.
 */
export class CallSiteFinder {
  private readonly ownDirectories: readonly string[];

  /** `ownDirectories`: spanlens' own code, never the app's (defaults to this installation's). */
  constructor(ownDirectories: readonly string[] = SPANLENS_DIRECTORIES) {
    this.ownDirectories = ownDirectories.map((directory) => withTrailingSeparator(path.resolve(directory)));
  }

  /** The call site in `stack` (as `Error.prototype.stack` formats it), with its file relative to `cwd`. */
  find(stack: string, cwd: string = process.cwd()): CallSite | null {
    for (const line of stack.split('\n')) {
      const frame = parseFrame(line);
      if (frame === undefined || !this.isApplicationFile(frame.file)) continue;
      return { file: relativeFile(cwd, frame.file), line: frame.line, function: frame.function };
    }
    return null;
  }

  /**
   * The call site of the code running now. Costs one stack capture (tens of microseconds): call it
   * once per finding, never per operation.
   */
  capture(): CallSite | null {
    const stack = captureStack();
    return stack === undefined ? null : this.find(stack);
  }

  private isApplicationFile(file: string): boolean {
    if (file.includes(`${path.sep}node_modules${path.sep}`) || file.includes('/node_modules/')) return false;
    return !this.ownDirectories.some((directory) => file.startsWith(directory));
  }
}

interface Frame {
  file: string;
  line: number;
  function: string;
}

function parseFrame(text: string): Frame | undefined {
  const named = NAMED_FRAME.exec(text);
  const name = named === null ? ANONYMOUS : named[1]!.replace(ALIAS, '') || ANONYMOUS;
  const location = named === null ? UNNAMED_FRAME.exec(text)?.[1] : named[2];
  if (location === undefined) return undefined;
  const parts = LOCATION.exec(location);
  if (parts === null) return undefined;
  const file = fileOf(parts[1]!);
  if (file === undefined) return undefined;
  return { file, line: Number(parts[2]), function: name };
}

/** A frame's file as an absolute path; `undefined` for `node:` modules, `native`, `eval` and such. */
function fileOf(location: string): string | undefined {
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

function withTrailingSeparator(directory: string): string {
  return directory.endsWith(path.sep) ? directory : directory + path.sep;
}

/** The current stack, at most {@link CALL_SITE_STACK_LIMIT} frames, whatever limit the app set. */
function captureStack(): string | undefined {
  const previousLimit = Error.stackTraceLimit;
  const holder: { stack?: string } = {};
  try {
    Error.stackTraceLimit = CALL_SITE_STACK_LIMIT;
    Error.captureStackTrace(holder);
    return holder.stack;
  } catch {
    return undefined;
  } finally {
    Error.stackTraceLimit = previousLimit;
  }
}

/**
 * spanlens' own code, from where this module was loaded: its source tree (`dist/src` or `src`) and the
 * bundled instrumentations beside it. Found from a stack trace, which works for ES modules and CommonJS.
 */
function spanlensDirectories(): string[] {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, spanlensDirectories);
  for (const line of (holder.stack ?? '').split('\n')) {
    const frame = parseFrame(line);
    if (frame === undefined) continue;
    const sourceRoot = path.resolve(path.dirname(frame.file), '..');
    return [sourceRoot, path.join(path.dirname(sourceRoot), 'instrumentations')];
  }
  return [];
}

const SPANLENS_DIRECTORIES = spanlensDirectories();
