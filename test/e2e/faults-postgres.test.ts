import { Client } from 'pg';
import { Answers } from './helpers/answers';
import { AppProcess, freePort } from './helpers/app-process';
import { FAULT_APP, type ProcessReport, diagnosticLines, processReport } from './helpers/fault-app';
import { runLoad } from './helpers/load-loop';
import { OtlpReceiver } from './helpers/otlp-receiver';
import { DATABASE_URL, TestSchema } from './helpers/postgres';
import { ProcessMemory } from './helpers/process-memory';
import { repeatUntilStopped } from './helpers/repeat-until-stopped';

/**
 * A sanity bound on peak RSS: the preloaded app settles near 300 MiB under this load on Node 22 and near
 * 750 MiB on Node 24, whose V8 collects later on a machine with this much memory. What spanlens retains
 * is bounded by faults-otlp (heap after a full collection) and faults-unended-spans.
 */
const RSS_CEILING_MIB = 1_024;
const LOAD_MS = 12_000;
const KILL_EVERY_MS = 300;

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());
jest.setTimeout(90_000);

function expectNothingEscaped(report: ProcessReport): void {
  expect(report.unhandledRejections).toEqual([]);
  expect(report.uncaughtExceptions).toEqual([]);
  expect(report.handlerErrors).toEqual([]);
}

interface Run {
  app: AppProcess;
  answers: Answers;
  sent: number;
  report: ProcessReport;
  terminated: number;
  peakRssMiB: number;
  statisticsRequests: number | undefined;
}

/** The app under a request loop while all its connections are killed every few hundred ms; it is left running. */
async function loadWhileKillingConnections(preload: 'import' | 'none', env: Record<string, string> = {}): Promise<Run> {
  const applicationName = `spanlens-faults-${preload}-${process.pid}`;
  const metricsPort = await freePort();
  const app = await AppProcess.start({
    app: FAULT_APP,
    preload,
    env: { ...schema.env(), PG_APPLICATION_NAME: applicationName, OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort), ...env },
  });
  const memory = new ProcessMemory(app.child.pid!);
  const killer = new Client({ connectionString: DATABASE_URL, application_name: 'spanlens-faults-killer' });
  await killer.connect();
  let terminated = 0;
  const stopKilling = repeatUntilStopped(KILL_EVERY_MS, async () => {
    const { rows } = await killer.query<{ killed: number }>(
      'SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    terminated += rows[0]!.killed;
  });
  const answers = new Answers();
  const paths = [...Array.from({ length: 8 }, (_, i) => `/meetings/${i + 1}`), '/queries/6?request=0', '/queries/7?request=1'];
  const sent = await runLoad(app.url(''), answers, { pathOf: (i) => paths[i % paths.length]!, concurrency: 4, durationMs: LOAD_MS });
  await stopKilling();
  await killer.end();
  const statisticsRequests =
    preload === 'none' ? undefined : ((await (await fetch(`http://127.0.0.1:${metricsPort}/stats`)).json()) as { requests: number }).requests;
  const report = await processReport(app);
  const peakRssMiB = memory.stop();
  return { app, answers, sent, report, terminated, peakRssMiB, statisticsRequests };
}

describe('when PostgreSQL kills the connections of the app mid-load', () => {
  it('answers exactly as without spanlens, records the failed statements as errors, and counts every request', async () => {
    const plain = await loadWhileKillingConnections('none');
    await plain.app.stop();

    const receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    const traced = await loadWhileKillingConnections('import', {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // Keep every span, so that each failed statement can be found.
      OTEL_BSP_MAX_QUEUE_SIZE: '1000000',
    });
    await traced.app.stop();
    await receiver.stop();

    for (const run of [plain, traced]) {
      // The fault happened: connections died, statements in flight with them, and the app ran them again.
      expect(run.terminated).toBeGreaterThan(0);
      expect(run.report.retriedQueries).toBeGreaterThan(0);
      expectNothingEscaped(run.report);
      expect(run.answers.statuses()).toEqual({ 200: run.sent });
    }
    expect(traced.answers.distinct()).toEqual(plain.answers.distinct());
    expect(traced.peakRssMiB).toBeLessThan(RSS_CEILING_MIB);
    expect(traced.statisticsRequests).toBe(traced.sent);
    const failedQueries = receiver.spans.filter((span) => span.attributes['db.system.name'] === 'postgresql' && span.statusCode === 2);
    // Every statement killed under the app is an error span: as many as the app ran again.
    expect(failedQueries).toHaveLength(traced.report.retriedQueries);
    // Failed statements are the app's business: spanlens has nothing to say about them.
    expect(diagnosticLines(traced.app.stderr)).toEqual([]);
  });
});
