import { Answers, answerOf } from './helpers/answers';
import { AppProcess } from './helpers/app-process';
import { FAULT_APP, type ProcessReport, diagnosticLines, processReport } from './helpers/fault-app';
import { serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';
import { ProcessMemory } from './helpers/process-memory';
import { type TracedApp, startTracedApp } from './helpers/traced-app';

const LEAKED_ROOT_SPANS = 100_000;
const LEAKS_PER_REQUEST = 10_000;
/** Each leaked span carries a 1 KiB attribute, as a span with a URL or a statement does. */
const ATTRIBUTE_BYTES = 1024;
/**
 * What the app may keep after a full collection: measured 42 MiB with the cap of 10,000 requests in
 * flight, 238 MiB when every leaked span is kept (the cap lifted), 8 MiB without spanlens.
 */
const RETAINED_HEAP_CEILING_MIB = 120;
/**
 * A sanity bound: garbage waits for V8 to collect it, so the peak is some 300–370 MiB on Node 22 and
 * about 800 MiB on Node 24 even with the cap; the retained heap above is what proves the cap.
 */
const RSS_CEILING_MIB = 1_024;

const MEETINGS = ['/meetings/1', '/meetings/2', '/meetings/3', '/meetings/4', '/meetings/5'];
const LEAK = `/leak?count=${LEAKS_PER_REQUEST}&attributeBytes=${ATTRIBUTE_BYTES}`;

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());
jest.setTimeout(90_000);

/** Meeting pages, then 100,000 root spans started and never ended, then meeting pages again, one after the other. */
async function leakBetweenMeetingPages(app: AppProcess): Promise<{ answers: Answers; report: ProcessReport; peakRssMiB: number }> {
  const memory = new ProcessMemory(app.child.pid!);
  const answers = new Answers();
  const paths = [...MEETINGS, ...Array<string>(LEAKED_ROOT_SPANS / LEAKS_PER_REQUEST).fill(LEAK), ...MEETINGS];
  for (const path of paths) answers.record(path, await answerOf(await fetch(app.url(path))));
  const report = await processReport(app, { gc: true });
  return { answers, report, peakRssMiB: memory.stop() };
}

describe('100,000 root spans that never end', () => {
  let traced: TracedApp;
  afterEach(() => traced?.stop());

  it('keep at most the in-flight cap: memory bounded, one warning, and the requests around them counted exactly', async () => {
    const plain = await AppProcess.start({ app: FAULT_APP, preload: 'none', nodeArgs: ['--expose-gc'], env: schema.env() });
    const expected = await leakBetweenMeetingPages(plain);
    await plain.stop();

    traced = await startTracedApp(schema, { app: FAULT_APP, nodeArgs: ['--expose-gc'] });
    const run = await leakBetweenMeetingPages(traced.app);
    const roots = serverRoots(await traced.receiver.waitFor((spans) => serverRoots(spans).filter(isMeetingPage).length === 2 * MEETINGS.length));
    const statistics = (await (await fetch(`http://127.0.0.1:${traced.metricsPort}/stats`)).json()) as {
      endpoints: Array<{ route: string; requests: number; dbQueriesAvg: number; dbQueriesMax: number }>;
    };

    expect(run.answers.distinct()).toEqual(expected.answers.distinct());
    for (const report of [expected.report, run.report]) {
      expect(report.unhandledRejections).toEqual([]);
      expect(report.uncaughtExceptions).toEqual([]);
      expect(report.handlerErrors).toEqual([]);
    }
    expect(run.report.heapUsedMiB).toBeLessThan(RETAINED_HEAP_CEILING_MIB);
    expect(run.peakRssMiB).toBeLessThan(RSS_CEILING_MIB);

    // One warning for the whole leak, not one per span, and nothing else.
    const diagnostics = diagnosticLines(traced.app.stderr);
    expect(diagnostics).toEqual([expect.stringContaining(`more than ${LEAKS_PER_REQUEST} requests in flight`)]);

    // Requests before and after the leak were counted as if it had not happened.
    const meetingRoots = roots.filter(isMeetingPage);
    expect(meetingRoots.map((root) => root.attributes['spanlens.db.query_count'])).toEqual(Array(2 * MEETINGS.length).fill(3));
    expect(statistics.endpoints.find((endpoint) => endpoint.route === '/meetings/{id}')).toMatchObject({
      requests: 2 * MEETINGS.length,
      dbQueriesAvg: 3,
      dbQueriesMax: 3,
    });
  });
});

function isMeetingPage(span: { attributes: Record<string, unknown> }): boolean {
  return String(span.attributes['url.path']).startsWith('/meetings/');
}
