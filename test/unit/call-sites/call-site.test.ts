import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CALL_SITE_STACK_LIMIT, CallSiteFinder } from '../../../src/call-sites/call-site';
import { captureDeep } from './library/deep-library';

const CWD = '/srv/app';
const finder = new CallSiteFinder(['/srv/app/node_modules/spanlens/dist/src', '/opt/spanlens/src']);

/** A V8 stack trace with these frames under the message line. */
const stack = (...frames: string[]) => ['Error', ...frames.map((frame) => `    at ${frame}`)].join('\n');

describe('CallSiteFinder.find', () => {
  it("names the first frame of the app's own code, relative to the working directory", () => {
    const trace = stack(
      'RequestStatisticsProcessor.onStart (/srv/app/node_modules/spanlens/dist/src/processors/request-statistics-processor.js:120:12)',
      'Tracer.startSpan (/srv/app/node_modules/@opentelemetry/sdk-trace/dist/Tracer.cjs:80:5)',
      'Client.query (/srv/app/node_modules/pg/lib/client.js:520:24)',
      'process.processTicksAndRejections (node:internal/process/task_queues:103:5)',
      'async listMeetings (/srv/app/src/routes/meetings.js:42:19)',
      'async /srv/app/src/server.js:10:3',
    );
    expect(finder.find(trace, CWD)).toEqual({ file: 'src/routes/meetings.js', line: 42, function: 'listMeetings' });
  });

  it('reads ES module frames (file: URLs), anonymous functions and top-level code', () => {
    const file = pathToFileURL('/srv/app/src/jobs/import.mjs').href;
    expect(finder.find(stack(`${file}:7:11`), CWD)).toEqual({ file: 'src/jobs/import.mjs', line: 7, function: '<anonymous>' });
    expect(finder.find(stack('Object.<anonymous> (/srv/app/index.js:3:1)'), CWD)).toEqual({ file: 'index.js', line: 3, function: 'Object.<anonymous>' });
  });

  it('keeps the method name and drops the alias it was called by, and the `new` of a constructor', () => {
    expect(finder.find(stack('MeetingService.load [as loadOne] (/srv/app/src/meetings.js:12:5)'), CWD)?.function).toBe('MeetingService.load');
    expect(finder.find(stack('new Report (/srv/app/src/report.js:5:9)'), CWD)?.function).toBe('Report');
  });

  it("skips Node's own frames, native and eval frames, node_modules at any depth, and spanlens' own directories", () => {
    const trace = stack(
      'Array.map (<anonymous>)',
      'new Promise (<anonymous>)',
      'async Promise.all (index 0)',
      'fetch (node:internal/deps/undici/undici:10698:20)',
      'eval (eval at <anonymous> (/srv/app/src/dynamic.js:1:1), <anonymous>:1:1)',
      'Query.run (/srv/app/packages/api/node_modules/sequelize/lib/query.js:47:1)',
      'RequestStatisticsProcessor.queryStarted (/opt/spanlens/src/processors/request-statistics-processor.ts:150:7)',
      'handler (/srv/app/packages/api/handler.js:9:2)',
    );
    expect(finder.find(trace, CWD)).toEqual({ file: 'packages/api/handler.js', line: 9, function: 'handler' });
  });

  it('says there is no app frame (null) rather than guess, when every frame is a library or Node', () => {
    const trace = stack(
      'Client._handleReadyForQuery (/srv/app/node_modules/pg/lib/client.js:381:14)',
      'Connection.emit (node:events:519:28)',
      'TCP.onStreamRead (node:internal/stream_base_commons:189:23)',
    );
    expect(finder.find(trace, CWD)).toBeNull();
    expect(finder.find('', CWD)).toBeNull();
  });

  it('gives a path with .. for app code outside the working directory', () => {
    expect(finder.find(stack('main (/srv/shared/lib.js:1:1)'), CWD)?.file).toBe('../shared/lib.js');
  });
});

describe('CallSiteFinder.capture', () => {
  /** A stand-in for app code calling into a driver; its own line is where the call site must point. */
  function issueQuery(): { site: ReturnType<CallSiteFinder['capture']>; line: number } {
    const line = Number(/:(\d+):\d+\)?$/.exec(new Error().stack!.split('\n')[1]!)![1]) + 1;
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
