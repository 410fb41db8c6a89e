import { type Answer, Answers } from './helpers/answers';
import { AppProcess, freePort } from './helpers/app-process';
import { FAULT_APP, type ProcessReport, diagnosticLines, processReport } from './helpers/fault-app';
import { BlackHoleEndpoint, SlowOtlpReceiver } from './helpers/faulty-otlp-endpoints';
import { runLoad } from './helpers/load-loop';
import { TestSchema } from './helpers/postgres';
import { ProcessMemory } from './helpers/process-memory';

// Each case keeps a loopback request loop running this long against the faulty collector (shortened from
// a minute): long enough for the batch queue to overflow again and again, and for the exporter's 10 s
// timeout to expire twice against the black hole.
const LOAD_MS = Number(process.env.SPANLENS_FAULT_LOAD_MS ?? 25_000);
/** The exporter may hold the exit for its 10 s export timeout (as the README says); a hang would pass this. */
const EXIT_GRACE_MS = 30_000;
const CONCURRENCY = 4;
/**
 * What a failing collector must not make spanlens keep: the heap retained after a full collection at the
 * end of the load (the batch queue holds at most 2,048 spans). Peak RSS depends on when V8 collects, which
 * a starved 2-core machine delays (seen from 300 up to 750 MiB for the same run), so it gets only a
 * sanity bound.
 */
const RETAINED_HEAP_CEILING_MIB = 120;
const RSS_SANITY_CEILING_MIB = 1_024;

const PATHS = [
  ...Array.from({ length: 12 }, (_, i) => `/meetings/${i + 1}`),
  '/queries/4?request=0',
  '/queries/5?request=1',
  '/health',
  '/no-such-page',
];
const pathOf = (i: number): string => PATHS[i % PATHS.length]!;

const schema = new TestSchema();
let plainAnswers: Record<string, Answer[]>;
let plainExit: Exit;

// Without spanlens there is no exporter to fail: a short run gives the plain app's answer to every path.
beforeAll(async () => {
  await schema.create();
  const plain = await AppProcess.start({ app: FAULT_APP, preload: 'none', env: schema.env() });
  const answers = new Answers();
  await runLoad(plain.url(''), answers, { pathOf, concurrency: CONCURRENCY, requests: PATHS.length * 4 });
  plainExit = await plain.stop();
  plainAnswers = answers.distinct();
}, 30_000);
afterAll(() => schema.drop());

type Exit = Awaited<ReturnType<AppProcess['stop']>>;

/** SIGTERM, then the exit, however long the exporter holds it up to the grace period. */
async function terminate(app: AppProcess): Promise<Exit> {
  app.child.kill('SIGTERM');
  const killer = setTimeout(() => app.child.kill('SIGKILL'), EXIT_GRACE_MS);
  const exit = await app.exited;
  clearTimeout(killer);
  return exit;
}

interface LoadRun {
  answers: Answers;
  sent: number;
  statisticsRequests: number;
  report: ProcessReport;
  peakRssMiB: number;
  stderr: string;
  exit: Exit;
}

/** The app preloaded with spanlens and exporting traces to `endpoint`, under the request loop. */
async function loadWithCollectorAt(endpoint: string, env: Record<string, string> = {}): Promise<LoadRun> {
  const metricsPort = await freePort();
  const app = await AppProcess.start({
    app: FAULT_APP,
    nodeArgs: ['--expose-gc'],
    env: {
      ...schema.env(),
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      ...env,
    },
  });
  const memory = new ProcessMemory(app.child.pid!);
  const answers = new Answers();
  const sent = await runLoad(app.url(''), answers, { pathOf, concurrency: CONCURRENCY, durationMs: LOAD_MS });
  const statistics = (await (await fetch(`http://127.0.0.1:${metricsPort}/stats`)).json()) as { requests: number };
  const report = await processReport(app, { gc: true });
  const peakRssMiB = memory.stop();
  const exit = await terminate(app);
  return { answers, sent, statisticsRequests: statistics.requests, report, peakRssMiB, stderr: app.stderr, exit };
}

/** What every case requires: the app's answers untouched, nothing escaped into it, memory bounded. */
function expectUnharmed(run: LoadRun): void {
  expect(run.answers.distinct()).toEqual(plainAnswers);
  expect(run.report.unhandledRejections).toEqual([]);
  expect(run.report.uncaughtExceptions).toEqual([]);
  expect(run.report.handlerErrors).toEqual([]);
  expect(run.report.heapUsedMiB).toBeLessThan(RETAINED_HEAP_CEILING_MIB);
  expect(run.peakRssMiB).toBeLessThan(RSS_SANITY_CEILING_MIB);
  // Statistics do not depend on the export: every request of the loop was counted.
  expect(run.statisticsRequests).toBe(run.sent);
  // And the app still ends as it does without spanlens.
  expect(run.exit).toEqual(plainExit);
}

/** Diagnostics say each problem once, however long it lasts: no line repeats. */
function expectNoRepeatedDiagnostics(stderr: string): void {
  const lines = diagnosticLines(stderr).map((line) => line.replace(/\d+/g, 'N'));
  expect(lines).toEqual([...new Set(lines)]);
}

jest.setTimeout(LOAD_MS + EXIT_GRACE_MS + 30_000);

describe(`under ${LOAD_MS / 1000} s of request load, with the OTLP endpoint failing`, () => {
  it('answers exactly as without spanlens while the endpoint refuses connections, and says so once', async () => {
    const run = await loadWithCollectorAt(`http://127.0.0.1:${await freePort()}`);
    expectUnharmed(run);
    expect(diagnosticLines(run.stderr).filter((line) => line.includes('ECONNREFUSED'))).toHaveLength(1);
    expectNoRepeatedDiagnostics(run.stderr);
  });

  it('answers exactly as without spanlens while the endpoint accepts connections and never answers, and says so once', async () => {
    const blackHole = new BlackHoleEndpoint();
    // With OTEL_LOG_LEVEL set, NodeSDK installs a logger of its own: the SDK's warnings must still come once.
    const run = await loadWithCollectorAt(await blackHole.start(), { OTEL_LOG_LEVEL: 'warn' });
    const connections = blackHole.connections;
    await blackHole.stop();
    expectUnharmed(run);
    // The exports went out and hung until the exporter's timeout.
    expect(connections).toBeGreaterThan(0);
    expect(diagnosticLines(run.stderr).filter((line) => line.includes('Request timed out'))).toHaveLength(1);
    expectNoRepeatedDiagnostics(run.stderr);
  });

  it('answers exactly as without spanlens while the endpoint takes a second to answer each export, and repeats no warning', async () => {
    const receiver = new SlowOtlpReceiver(1_000);
    const run = await loadWithCollectorAt(await receiver.start());
    await receiver.stop();
    expectUnharmed(run);
    // Spans still flow, as fast as the collector takes them.
    expect(receiver.serverSpans).toBeGreaterThan(0);
    expectNoRepeatedDiagnostics(run.stderr);
  });
});
