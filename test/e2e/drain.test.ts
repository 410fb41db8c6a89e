import { AppProcess, freePort } from './helpers/app-process';
import { OtlpReceiver, metricPoints, serverRoots } from './helpers/otlp-receiver';

// A draining app ignores SIGTERM: whatever a failed test leaves running is killed.
const started: AppProcess[] = [];
const receivers: OtlpReceiver[] = [];
async function startReceiver(): Promise<{ receiver: OtlpReceiver; endpoint: string }> {
  const receiver = new OtlpReceiver();
  receivers.push(receiver);
  return { receiver, endpoint: await receiver.start() };
}
async function startApp(options: Parameters<typeof AppProcess.start>[0]): Promise<AppProcess> {
  const app = await AppProcess.start(options);
  started.push(app);
  return app;
}
afterEach(async () => {
  for (const app of started.splice(0)) {
    if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
  }
  await Promise.all(receivers.splice(0).map((receiver) => receiver.stop()));
});

/** Waits until `text` appears on the app's standard output. */
async function waitForOutput(app: AppProcess, text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!app.stdout.includes(text)) {
    if (Date.now() > deadline) throw new Error(`the app never printed ${JSON.stringify(text)}\nstdout: ${app.stdout}\nstderr: ${app.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Requests to /ping that reached the receiver as server spans. */
function pingSpans(receiver: OtlpReceiver): number {
  return serverRoots(receiver.spans).filter((span) => span.attributes['url.path'] === '/ping').length;
}

/** What the last OTLP metrics export says about /ping requests (cumulative: the last export holds the total). */
function pingRequestsExported(receiver: OtlpReceiver): number {
  const last = receiver.metricExports.at(-1);
  if (last === undefined) return 0;
  const points = metricPoints([last], 'spanlens.request.db_queries').filter((point) => point.attributes['http.route'] === '/ping');
  return points.reduce((total, point) => total + point.value, 0);
}

/** The count of /ping requests on /metrics, in Prometheus text. */
function pingRequestsScraped(metrics: string): number {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith('spanlens_request_db_queries_count{') && candidate.includes('http_route="/ping"'));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('a drain: the app handles SIGTERM itself and goes on serving', () => {
  it.each([
    { end: 'close', expected: { code: 0, signal: null } },
    { end: 'exit', expected: { code: 3, signal: null } },
  ])(
    'flushes at the signal, keeps /metrics and /stats serving and recording, exports what the drain served, and ends as the app ends (APP_END=$end)',
    async ({ end, expected }) => {
      const { receiver, endpoint } = await startReceiver();
      const metricsPort = await freePort();
      const app = await startApp({
        app: 'drain-app.mjs',
        env: {
          APP_END: end,
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          // Only flushes can deliver spans and metrics before these delays.
          OTEL_BSP_SCHEDULE_DELAY: '60000',
          OTEL_METRICS_EXPORTER: 'prometheus,otlp',
          OTEL_METRIC_EXPORT_INTERVAL: '60000',
          OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
        },
      });
      const metricsUrl = `http://127.0.0.1:${metricsPort}`;
      expect(await (await fetch(app.url('/ping'))).text()).toBe('pong');

      app.child.kill('SIGTERM');
      await waitForOutput(app, 'draining');
      // The signal flushed what was served before it: the span and the metrics.
      await receiver.waitUntil(() => pingSpans(receiver) === 1 && pingRequestsExported(receiver) === 1, 'the flush at the signal');

      // The drain: the app goes on serving, and spanlens goes on recording and serving.
      expect(await (await fetch(app.url('/ping'))).text()).toBe('draining');
      const stats = (await (await fetch(`${metricsUrl}/stats`)).json()) as { endpoints: Array<{ route: string; requests: number }> };
      expect(stats.endpoints.find((endpoint) => endpoint.route === '/ping')?.requests).toBe(2);
      expect(pingRequestsScraped(await (await fetch(`${metricsUrl}/metrics`)).text())).toBe(2);
      // What the drain served is exported too, before the process ends.
      await receiver.waitUntil(() => pingSpans(receiver) === 2 && pingRequestsExported(receiver) === 2, 'the export of the request served during the drain');

      await fetch(app.url('/end')).then((response) => response.text());
      expect(await app.exited).toEqual(expected);
      expect(app.stderr).not.toContain('spanlens:');
    },
  );

  it('neither ends the app nor stops spanlens at a second SIGTERM during the drain', async () => {
    const metricsPort = await freePort();
    const app = await startApp({
      app: 'drain-app.mjs',
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort) },
    });
    app.child.kill('SIGTERM');
    await waitForOutput(app, 'draining');
    app.child.kill('SIGTERM');
    await fetch(app.url('/ping'));
    expect(await (await fetch(app.url('/ping'))).text()).toBe('draining');
    expect(pingRequestsScraped(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text())).toBe(2);
    await fetch(app.url('/end')).then((response) => response.text());
    expect(await app.exited).toEqual({ code: 0, signal: null });
  });
});
