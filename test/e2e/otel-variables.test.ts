import { AppProcess, freePort } from './helpers/app-process';
import { OtlpReceiver, metricPoints, serverRoots } from './helpers/otlp-receiver';

/**
 * spanlens builds the SDK itself, from its own span processors, metric readers, sampler and resource
 * detectors, where NodeSDK would read the variables behind them. Each row proves that one standard
 * `OTEL_*` variable still has its standard meaning, end to end: a preloaded app, a receiver, what arrives.
 */

interface Run {
  app: AppProcess;
  receiver: OtlpReceiver;
  /** GET /ping on the app. */
  ping(headers?: Record<string, string>): Promise<void>;
  /** Ends the app with SIGTERM (spanlens flushes first) and waits for it. */
  stop(): Promise<void>;
  scrape(): Promise<string>;
  stats(): Promise<{ service: string; requests: number }>;
  /** Waits until `text` shows on the app's standard error or output. */
  waitForOutput(stream: 'stdout' | 'stderr', text: string | RegExp): Promise<string>;
}

interface Row {
  /** `VARIABLE=value: what it means`, as the test's name. */
  title: string;
  /** The variables under test; `endpoint` is the receiver's base URL. */
  env(endpoint: string): Record<string, string>;
  /** The receiver accepts requests and answers none (a collector that black-holes them). */
  silentCollector?: boolean;
  check(run: Run): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const otlpMetrics = { OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '60000' };
/** Server spans of /ping requests that reached the receiver. */
const pings = (receiver: OtlpReceiver) => serverRoots(receiver.spans).filter((span) => span.attributes['url.path'] === '/ping');
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const OTHER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

const rows: Row[] = [
  {
    title: 'OTEL_METRIC_EXPORT_INTERVAL=300: OTLP metrics are pushed every 300 ms (default 60 s)',
    env: () => ({ ...otlpMetrics, OTEL_METRIC_EXPORT_INTERVAL: '300' }),
    async check({ ping, receiver }) {
      await ping();
      await receiver.waitUntil(() => receiver.requestsTo('/v1/metrics').length >= 3, 'three metric exports while the app runs');
    },
  },
  {
    title: 'OTEL_METRIC_EXPORT_TIMEOUT=200: a metric export is given up after 200 ms (default 30 s)',
    env: () => ({ ...otlpMetrics, OTEL_METRIC_EXPORT_INTERVAL: '400', OTEL_METRIC_EXPORT_TIMEOUT: '200' }),
    silentCollector: true,
    async check({ ping, waitForOutput }) {
      await ping();
      await waitForOutput('stderr', 'metrics export timed out after 200ms');
    },
  },
  {
    title: 'OTEL_BSP_SCHEDULE_DELAY=100: spans are sent 100 ms after they end (default 5 s), not batched with later ones',
    env: () => ({ OTEL_BSP_SCHEDULE_DELAY: '100' }),
    async check({ ping, receiver, stop }) {
      await ping();
      await sleep(2000);
      await ping();
      await stop();
      expect(receiver.requestsTo('/v1/traces').map((request) => request.spanCount)).toEqual([1, 1]);
    },
  },
  {
    title: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE=2: no export carries more than 2 spans (default 512)',
    env: () => ({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2' }),
    async check({ ping, receiver, stop }) {
      for (let i = 0; i < 5; i++) await ping();
      await stop();
      expect(receiver.requestsTo('/v1/traces').map((request) => request.spanCount)).toEqual([2, 2, 1]);
    },
  },
  {
    title: 'OTEL_BSP_MAX_QUEUE_SIZE=3: spans past 3 waiting while an export hangs are dropped (default 2048)',
    env: () => ({ OTEL_BSP_MAX_QUEUE_SIZE: '3' }),
    silentCollector: true,
    async check({ ping, receiver, stop }) {
      // 3 spans fill a batch and go out (and hang); 3 more wait in the queue; the last 4 are dropped.
      for (let i = 0; i < 10; i++) await ping();
      receiver.resume();
      await stop();
      expect(pings(receiver)).toHaveLength(6);
    },
  },
  {
    title: 'OTEL_BSP_EXPORT_TIMEOUT=300: the batch processor gives up a hanging export after 300 ms (before the exporter’s own 10 s)',
    env: () => ({ OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_BSP_EXPORT_TIMEOUT: '300' }),
    silentCollector: true,
    async check({ ping, waitForOutput }) {
      await ping();
      const line = await waitForOutput('stderr', /OpenTelemetry SDK error.*: (Timeout|Request timed out)$/m);
      expect(line).toMatch(/: Timeout$/);
    },
  },
  {
    title: 'OTEL_EXPORTER_OTLP_TIMEOUT=300: the exporter gives up a hanging request after 300 ms (before the batch processor’s 3 s)',
    env: () => ({ OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_BSP_EXPORT_TIMEOUT: '3000', OTEL_EXPORTER_OTLP_TIMEOUT: '300' }),
    silentCollector: true,
    async check({ ping, waitForOutput }) {
      await ping();
      const line = await waitForOutput('stderr', /OpenTelemetry SDK error.*: (Timeout|Request timed out)$/m);
      expect(line).toMatch(/: Request timed out$/);
    },
  },
  {
    title: 'OTEL_TRACES_SAMPLER=traceidratio, OTEL_TRACES_SAMPLER_ARG=0: no trace is exported, every request still counted',
    env: () => ({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }),
    async check({ ping, receiver, stats, stop }) {
      for (let i = 0; i < 3; i++) await ping();
      expect((await stats()).requests).toBe(3);
      await stop();
      expect(receiver.spans).toEqual([]);
    },
  },
  {
    title: 'OTEL_TRACES_SAMPLER=traceidratio, OTEL_TRACES_SAMPLER_ARG=1: every trace is exported',
    env: () => ({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }),
    async check({ ping, receiver, stop }) {
      for (let i = 0; i < 3; i++) await ping();
      await stop();
      expect(pings(receiver)).toHaveLength(3);
    },
  },
  {
    title: 'OTEL_PROPAGATORS=b3: an incoming b3 header continues its trace, traceparent is ignored',
    env: () => ({ OTEL_PROPAGATORS: 'b3' }),
    async check({ ping, receiver, stop }) {
      await ping({ b3: `${TRACE_ID}-b7ad6b7169203331-1`, traceparent: `00-${OTHER_TRACE_ID}-00f067aa0ba902b7-01` });
      await stop();
      expect(pings(receiver).map((span) => span.traceId)).toEqual([TRACE_ID]);
    },
  },
  {
    title: 'OTEL_PROPAGATORS=b3multi,tracecontext: X-B3-* headers continue their trace, and traceparent is still read',
    env: () => ({ OTEL_PROPAGATORS: 'b3multi,tracecontext' }),
    async check({ ping, receiver, stop }) {
      await ping({ 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': 'b7ad6b7169203331', 'x-b3-sampled': '1' });
      await ping({ traceparent: `00-${OTHER_TRACE_ID}-00f067aa0ba902b7-01` });
      await stop();
      expect(pings(receiver).map((span) => span.traceId)).toEqual([TRACE_ID, OTHER_TRACE_ID]);
    },
  },
  {
    title: 'OTEL_PROPAGATORS=none: no incoming trace context is continued',
    env: () => ({ OTEL_PROPAGATORS: 'none' }),
    async check({ ping, receiver, stop }) {
      await ping({ traceparent: `00-${OTHER_TRACE_ID}-00f067aa0ba902b7-01` });
      await stop();
      const traceIds = pings(receiver).map((span) => span.traceId);
      expect(traceIds).toHaveLength(1);
      expect(traceIds).not.toContain(OTHER_TRACE_ID);
    },
  },
  {
    title: 'OTEL_PROPAGATORS unset: traceparent (W3C trace context) continues its trace',
    env: () => ({}),
    async check({ ping, receiver, stop }) {
      await ping({ traceparent: `00-${OTHER_TRACE_ID}-00f067aa0ba902b7-01` });
      await stop();
      expect(pings(receiver).map((span) => span.traceId)).toEqual([OTHER_TRACE_ID]);
    },
  },
  {
    title: 'OTEL_SERVICE_NAME=orders: the service of spans, target_info and /stats',
    env: () => ({ OTEL_SERVICE_NAME: 'orders' }),
    async check({ ping, receiver, scrape, stats, stop }) {
      await ping();
      expect(await scrape()).toMatch(/^target_info\{.*service_name="orders"/m);
      expect((await stats()).service).toBe('orders');
      await stop();
      expect(pings(receiver).map((span) => span.serviceName)).toEqual(['orders']);
    },
  },
  {
    title: 'OTEL_RESOURCE_ATTRIBUTES=service.namespace=shop,deployment.environment.name=staging: on the resource of spans and target_info',
    env: () => ({ OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=shop,deployment.environment.name=staging' }),
    async check({ ping, receiver, scrape, stop }) {
      await ping();
      const targetInfo = (await scrape()).split('\n').find((line) => line.startsWith('target_info{'));
      expect(targetInfo).toContain('service_namespace="shop"');
      expect(targetInfo).toContain('deployment_environment_name="staging"');
      await stop();
      expect(pings(receiver)[0]!.resource).toMatchObject({ 'service.namespace': 'shop', 'deployment.environment.name': 'staging' });
    },
  },
  {
    title: 'OTEL_EXPORTER_OTLP_ENDPOINT=<receiver>/collector: traces and metrics go to /collector/v1/traces and /collector/v1/metrics',
    env: (endpoint) => ({ ...otlpMetrics, OTEL_EXPORTER_OTLP_ENDPOINT: `${endpoint}/collector` }),
    async check({ ping, receiver, stop }) {
      await ping();
      await stop();
      expect(new Set(receiver.requests.map((request) => request.path))).toEqual(new Set(['/collector/v1/traces', '/collector/v1/metrics']));
    },
  },
  {
    title: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / _METRICS_ENDPOINT: used as they are, path included',
    env: (endpoint) => ({
      ...otlpMetrics,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/custom/spans`,
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${endpoint}/custom/numbers`,
    }),
    async check({ ping, receiver, stop }) {
      await ping();
      await stop();
      expect(new Set(receiver.requests.map((request) => request.path))).toEqual(new Set(['/custom/spans', '/custom/numbers']));
      expect(pings(receiver)).toHaveLength(1);
    },
  },
  {
    title: 'OTEL_EXPORTER_OTLP_HEADERS=x-api-key=s3cret%20key: sent with traces and metrics, percent-decoded',
    env: () => ({ ...otlpMetrics, OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cret%20key' }),
    async check({ ping, receiver, stop }) {
      await ping();
      await stop();
      expect(receiver.requests.map((request) => [request.path, request.headers['x-api-key']])).toEqual(
        expect.arrayContaining([
          ['/v1/traces', 's3cret key'],
          ['/v1/metrics', 's3cret key'],
        ]),
      );
    },
  },
  {
    title: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS=x-tenant=acme: sent with traces only',
    env: () => ({ ...otlpMetrics, OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=acme' }),
    async check({ ping, receiver, stop }) {
      await ping();
      await stop();
      expect(receiver.requestsTo('/v1/traces').map((request) => request.headers['x-tenant'])).toEqual(['acme']);
      expect(receiver.requestsTo('/v1/metrics').map((request) => request.headers['x-tenant'])).toEqual([undefined]);
    },
  },
  {
    title: 'OTEL_EXPORTER_OTLP_COMPRESSION=gzip: traces and metrics are sent gzipped',
    env: () => ({ ...otlpMetrics, OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }),
    async check({ ping, receiver, stop }) {
      await ping();
      await stop();
      expect(receiver.requests.map((request) => [request.path, request.headers['content-encoding']]).sort()).toEqual([
        ['/v1/metrics', 'gzip'],
        ['/v1/traces', 'gzip'],
      ]);
      expect(pings(receiver)).toHaveLength(1);
    },
  },
  {
    title: 'OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=http/json: each signal its own encoding',
    env: () => ({ ...otlpMetrics, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json' }),
    async check({ ping, receiver, stop }) {
      await ping();
      await stop();
      expect(receiver.requestsTo('/v1/traces').map((request) => request.headers['content-type'])).toEqual(['application/x-protobuf']);
      expect(receiver.requestsTo('/v1/metrics').map((request) => request.headers['content-type'])).toEqual(['application/json']);
    },
  },
  {
    title: 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta: counters and histograms are pushed as deltas (default cumulative)',
    env: () => ({ ...otlpMetrics, OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta' }),
    async check({ ping, receiver, stop }) {
      await ping();
      await stop();
      const queries = receiver.metricExports.flatMap((received) => received.metrics).filter((metric) => metric.name === 'spanlens.request.db_queries');
      expect(queries.map((metric) => metric.temporality)).toEqual([1]);
      expect(metricPoints(receiver.metricExports, 'spanlens.request.db_queries').map((point) => point.value)).toEqual([1]);
    },
  },
  {
    title: 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT=12: no span attribute value is longer than 12 characters',
    env: () => ({ OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '12' }),
    async check({ ping, receiver, stop }) {
      await ping({ 'user-agent': 'a-user-agent-of-forty-characters-in-all!' });
      await stop();
      const values = Object.values(pings(receiver)[0]!.attributes).filter((value) => typeof value === 'string');
      expect(values.length).toBeGreaterThan(0);
      expect(values.filter((value) => value.length > 12)).toEqual([]);
      expect(values).toContain('a-user-agent');
    },
  },
  {
    title: 'OTEL_TRACES_EXPORTER=console: spans are written to standard output',
    env: () => ({ OTEL_TRACES_EXPORTER: 'console' }),
    async check({ ping, receiver, waitForOutput }) {
      await ping({ traceparent: `00-${OTHER_TRACE_ID}-00f067aa0ba902b7-01` });
      await waitForOutput('stdout', OTHER_TRACE_ID);
      expect(receiver.requests).toEqual([]);
    },
  },
  {
    title: 'OTEL_METRICS_EXPORTER=console with OTEL_METRIC_EXPORT_INTERVAL=300: metrics are written to standard output every 300 ms',
    env: () => ({ OTEL_METRICS_EXPORTER: 'console', OTEL_METRIC_EXPORT_INTERVAL: '300' }),
    async check({ app, ping }) {
      await ping();
      const deadline = Date.now() + 15_000;
      while (app.stdout.split("name: 'spanlens.request.db_queries'").length - 1 < 2 && Date.now() < deadline) await sleep(50);
      expect(app.stdout.split("name: 'spanlens.request.db_queries'").length - 1).toBeGreaterThanOrEqual(2);
    },
  },
  {
    title: 'OTEL_LOGS_EXPORTER=otlp: log records the app emits are exported',
    env: () => ({ OTEL_LOGS_EXPORTER: 'otlp' }),
    async check({ app, receiver, stop }) {
      await fetch(app.url('/log'));
      await stop();
      expect(receiver.requestsTo('/v1/logs').length).toBeGreaterThan(0);
    },
  },
  {
    title: 'OTEL_LOGS_EXPORTER unset: spanlens starts no logs pipeline (the standard default would be otlp)',
    env: () => ({}),
    async check({ app, receiver, stop }) {
      await fetch(app.url('/log'));
      await stop();
      expect(receiver.requestsTo('/v1/logs')).toEqual([]);
      // The receiver was reachable all along: the request's span reached it.
      expect(receiver.requestsTo('/v1/traces')).toHaveLength(1);
    },
  },
  {
    title: 'OTEL_NODE_ENABLED_INSTRUMENTATIONS=pg: http is not instrumented, so there are no requests to see',
    env: () => ({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'pg' }),
    async check({ ping, receiver, stats, stop }) {
      await ping();
      expect((await stats()).requests).toBe(0);
      await stop();
      expect(receiver.spans).toEqual([]);
    },
  },
  {
    title: 'OTEL_LOG_LEVEL=debug: spanlens says what it started (console.debug writes to standard output)',
    env: () => ({ OTEL_LOG_LEVEL: 'debug' }),
    async check({ waitForOutput }) {
      await waitForOutput('stdout', /spanlens \S+ started: traces=otlp metrics=prometheus/);
    },
  },
];

describe('standard OTEL_* variables keep their meaning under spanlens', () => {
  let receiver: OtlpReceiver | undefined;
  let app: AppProcess | undefined;
  afterEach(async () => {
    await app?.stop();
    await receiver?.stop();
    receiver = app = undefined;
  });

  it.each(rows)('$title', async (row) => {
    receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    if (row.silentCollector) receiver.pause();
    const metricsUrl = `http://127.0.0.1:${await freePort()}`;
    app = await AppProcess.start({
      app: 'ping-app.mjs',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Spans arrive at the flush when the app ends, unless a row says otherwise.
        OTEL_BSP_SCHEDULE_DELAY: '60000',
        OTEL_EXPORTER_PROMETHEUS_PORT: new URL(metricsUrl).port,
        ...row.env(endpoint),
      },
    });
    const running = app;
    await row.check({
      app: running,
      receiver,
      async ping(headers) {
        await (await fetch(running.url('/ping'), { headers })).text();
      },
      async stop() {
        await running.stop();
      },
      async scrape() {
        return (await fetch(`${metricsUrl}/metrics`)).text();
      },
      async stats() {
        return (await (await fetch(`${metricsUrl}/stats`)).json()) as { service: string; requests: number };
      },
      async waitForOutput(stream, text) {
        const deadline = Date.now() + 15_000;
        for (;;) {
          const output = stream === 'stdout' ? running.stdout : running.stderr;
          const line = output.split('\n').find((candidate) => (typeof text === 'string' ? candidate.includes(text) : text.test(candidate)));
          if (line !== undefined) return line;
          if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(String(text))} on ${stream}:\n${output}`);
          await sleep(50);
        }
      },
    });
  });
});
