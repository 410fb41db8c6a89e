import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CALL_SITE_STACK_LIMIT, CallSiteFinder, type StackFrame } from '../../../src/call-sites/call-site';
import { lineOfCaller } from './library/line-of-caller';
import { captureDeep } from './library/deep-library';

const CWD = '/srv/app';
const finder = new CallSiteFinder(['/srv/app/node_modules/spanlens/dist/src', '/opt/spanlens/src']);

interface FrameOptions {
  fn?: string | null;
  type?: string | null;
  method?: string | null;
  /** A plain call (no receiver), as V8 tells it apart from a method call. */
  toplevel?: boolean;
  construct?: boolean;
  async?: boolean;
  native?: boolean;
  eval?: boolean;
}

/** A V8 stack frame as `Error.prepareStackTrace` hands it over: `location` is a path, a `file:` URL or `node:…`. */
function frame(location: string | null, line = 1, options: FrameOptions = {}): StackFrame {
  return {
    getFileName: () => location,
    getLineNumber: () => line,
    getColumnNumber: () => 1,
    getFunctionName: () => options.fn ?? null,
    getTypeName: () => options.type ?? null,
    getMethodName: () => options.method ?? null,
    isToplevel: () => options.toplevel ?? true,
    isConstructor: () => options.construct ?? false,
    isEval: () => options.eval ?? false,
    isNative: () => options.native ?? false,
    isAsync: () => options.async ?? false,
  };
}

describe('CallSiteFinder.find', () => {
  it("names the first frame of the app's own code, relative to the working directory", () => {
    const frames = [
      frame('/srv/app/node_modules/spanlens/dist/src/processors/request-statistics-processor.js', 120, { fn: 'onStart', type: 'RequestStatisticsProcessor', toplevel: false }),
      frame('/srv/app/node_modules/@opentelemetry/sdk-trace/dist/Tracer.cjs', 80, { fn: 'startSpan', type: 'Tracer', toplevel: false }),
      frame('/srv/app/node_modules/pg/lib/client.js', 520, { fn: 'query', type: 'Client', toplevel: false }),
      frame('node:internal/process/task_queues', 103, { fn: 'processTicksAndRejections', type: 'process', toplevel: false }),
      frame('/srv/app/src/routes/meetings.js', 42, { fn: 'listMeetings', async: true }),
      frame('/srv/app/src/server.js', 10, { async: true }),
    ];
    expect(finder.find(frames, CWD)).toEqual({ file: 'src/routes/meetings.js', line: 42, function: 'listMeetings' });
  });

  it('reads ES module frames (file: URLs), anonymous functions and module top-level code', () => {
    const file = pathToFileURL('/srv/app/src/jobs/import.mjs').href;
    expect(finder.find([frame(file, 7)], CWD)).toEqual({ file: 'src/jobs/import.mjs', line: 7, function: '<anonymous>' });
    // A CommonJS module's code runs in a function called with `exports` as its receiver.
    expect(finder.find([frame('/srv/app/index.js', 3, { type: 'Object', toplevel: false })], CWD)?.function).toBe('Object.<anonymous>');
  });

  it('names methods Type.name as V8 does, without the alias it was called by, and constructors by their class', () => {
    const name = (options: FrameOptions) => finder.find([frame('/srv/app/src/meetings.js', 12, options)], CWD)?.function;
    expect(name({ fn: 'load', type: 'MeetingService', method: 'loadOne', toplevel: false })).toBe('MeetingService.load');
    expect(name({ fn: 'MeetingService.load', type: 'MeetingService', toplevel: false })).toBe('MeetingService.load');
    expect(name({ type: 'Object', method: 'run', toplevel: false })).toBe('Object.run');
    expect(name({ fn: 'Report', construct: true, toplevel: false })).toBe('Report');
    expect(name({ fn: 'knex-loop', type: 'Object', toplevel: false, async: true })).toBe('knex-loop');
  });

  it("skips Node's own frames, native and eval frames, node_modules at any depth, and spanlens' own directories", () => {
    const frames = [
      frame(null, 0, { fn: 'map', type: 'Array', toplevel: false }),
      frame('native', 0, { native: true }),
      frame('node:internal/deps/undici/undici', 10698, { fn: 'fetch' }),
      frame('/srv/app/src/dynamic.js', 1, { eval: true }),
      frame('/srv/app/packages/api/node_modules/sequelize/lib/query.js', 47, { fn: 'run', type: 'Query', toplevel: false }),
      frame(pathToFileURL('/opt/spanlens/src/processors/request-statistics-processor.ts').href, 150, { fn: 'queryStarted' }),
      frame('/opt/spanlens/src/processors/request-statistics-processor.ts', 150, { fn: 'queryStarted' }),
      frame('/srv/app/packages/api/handler.js', 9, { fn: 'handler' }),
    ];
    expect(finder.find(frames, CWD)).toEqual({ file: 'packages/api/handler.js', line: 9, function: 'handler' });
  });

  it('says there is no app frame (null) rather than guess, when every frame is a library or Node', () => {
    const frames = [
      frame('/srv/app/node_modules/pg/lib/client.js', 381, { fn: '_handleReadyForQuery', type: 'Client', toplevel: false }),
      frame('node:events', 519, { fn: 'emit', type: 'Connection', toplevel: false }),
      frame('node:internal/stream_base_commons', 189, { fn: 'onStreamRead', type: 'TCP', toplevel: false }),
    ];
    expect(finder.find(frames, CWD)).toBeNull();
    expect(finder.find([], CWD)).toBeNull();
  });

  it('gives a path with .. for app code outside the working directory', () => {
    expect(finder.find([frame('/srv/shared/lib.js', 1, { fn: 'main' })], CWD)?.file).toBe('../shared/lib.js');
  });
});

describe('CallSiteFinder.capture', () => {
  /** A stand-in for app code calling into a driver; its own line is where the call site must point. */
  function issueQuery(): { site: ReturnType<CallSiteFinder['capture']>; line: number } {
    const line = lineOfCaller() + 1;
    const site = new CallSiteFinder().capture();
    return { site, line };
  }

  it('captures the code running now, past spanlens itself, with the file relative to the working directory', () => {
    const { site, line } = issueQuery();
    expect(site).toEqual({ file: path.relative(process.cwd(), __filename).split(path.sep).join('/'), line, function: 'issueQuery' });
  });

  it(`looks CALL_SITE_STACK_LIMIT (${CALL_SITE_STACK_LIMIT}) frames deep, whatever Error.stackTraceLimit the app set, and leaves it as it was`, () => {
    const finder = new CallSiteFinder([path.join(__dirname, 'library'), path.resolve(__dirname, '../../../src')]);
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 3;
    try {
      // The app's frame (this test) under 30 library frames: found because the capture looks past 3 frames.
      expect(captureDeep(30, finder)?.file).toBe(path.relative(process.cwd(), __filename).split(path.sep).join('/'));
      expect(Error.stackTraceLimit).toBe(3);
      // Under more library frames than the limit, the app's frame is out of sight.
      expect(captureDeep(CALL_SITE_STACK_LIMIT + 5, finder)).toBeNull();
    } finally {
      Error.stackTraceLimit = limit;
    }
  });
});
