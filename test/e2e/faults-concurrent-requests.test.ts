import { Answers, answerOf } from './helpers/answers';
import { AppProcess, freePort } from './helpers/app-process';
import { FAULT_APP, diagnosticLines, processReport } from './helpers/fault-app';
import { parseMetrics, sumOf } from './helpers/metrics-text';
import { OtlpReceiver, serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';

const REQUESTS = 200;
/** Request i runs i % 17 queries: 0 to 16, each count carried by a dozen requests at once. */
const queriesOf = (request: number): number => request % 17;
const pathOf = (request: number): string => `/queries/${queriesOf(request)}?request=${request}`;
const TOTAL_QUERIES = Array.from({ length: REQUESTS }, (_, request) => queriesOf(request)).reduce((a, b) => a + b, 0);

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());
jest.setTimeout(60_000);

/**
 * All requests at once, against a pool of 10 connections: their queries interleave and wait for
 * connections, even requests on the pool, odd ones on a checked-out client.
 */
async function fireAllAtOnce(app: AppProcess): Promise<Answers> {
  const answers = new Answers();
  await Promise.all(
    Array.from({ length: REQUESTS }, async (_, request) => answers.record(pathOf(request), await answerOf(await fetch(app.url(pathOf(request)))))),
  );
  return answers;
}

describe(`${REQUESTS} concurrent requests, each running its own known number of queries`, () => {
  it('puts the exact count on every request span, and exact totals in /stats and /metrics', async () => {
    const plain = await AppProcess.start({ app: FAULT_APP, preload: 'none', env: schema.env() });
    const plainAnswers = await fireAllAtOnce(plain);
    await plain.stop();

    const receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    const metricsPort = await freePort();
    const app = await AppProcess.start({
      app: FAULT_APP,
      env: {
        ...schema.env(),
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      },
    });
    const answers = await fireAllAtOnce(app);
    const roots = serverRoots(await receiver.waitFor((spans) => serverRoots(spans).length >= REQUESTS));
    const statistics = (await (await fetch(`http://127.0.0.1:${metricsPort}/stats`)).json()) as {
      requests: number;
      endpoints: Array<{ route: string; requests: number; dbQueriesAvg: number; dbQueriesMax: number }>;
    };
    const metrics = parseMetrics(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
    const report = await processReport(app);
    await app.stop();
    await receiver.stop();

    expect(answers.distinct()).toEqual(plainAnswers.distinct());
    expect(report.unhandledRejections).toEqual([]);
    expect(report.uncaughtExceptions).toEqual([]);
    expect(report.handlerErrors).toEqual([]);
    expect(diagnosticLines(app.stderr)).toEqual([]);

    // Every request's own span carries its own count, none mixed up with a neighbour's.
    const countedOnSpans = Object.fromEntries(roots.map((root) => [String(root.attributes['url.query']), root.attributes['spanlens.db.query_count']]));
    const expected = Object.fromEntries(Array.from({ length: REQUESTS }, (_, request) => [`request=${request}`, queriesOf(request)]));
    expect(countedOnSpans).toEqual(expected);

    expect(statistics.requests).toBe(REQUESTS);
    expect(statistics.endpoints).toEqual([
      expect.objectContaining({ route: '/queries/{id}', requests: REQUESTS, dbQueriesAvg: TOTAL_QUERIES / REQUESTS, dbQueriesMax: 16 }),
    ]);

    expect(sumOf(metrics, 'spanlens_request_db_queries_count')).toBe(REQUESTS);
    expect(sumOf(metrics, 'spanlens_request_db_queries_sum')).toBe(TOTAL_QUERIES);
    // Upstream's per-query metric agrees: no query was lost or counted twice.
    expect(sumOf(metrics, 'db_client_operation_duration_count')).toBe(TOTAL_QUERIES);
  });
});
