import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { AppProcess, REPO_ROOT, freePort } from './helpers/app-process';
import { type MetricSample, parseMetrics, sumOf } from './helpers/metrics-text';
import { serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';
import { type TracedApp, startTracedApp } from './helpers/traced-app';

interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A GET on a connection of its own, so that the cluster hands each request to the next worker. */
function get(url: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

interface Endpoint {
  method: string;
  route: string;
  requests: number;
  dbQueriesAvg: number;
  dbQueriesMax: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface ClusterStats {
  requests: number;
  endpoints: Endpoint[];
  workers?: {
    live: number;
    answered: number;
    missing: Array<{ pid: number; reason: string; stale: boolean }>;
    exited: number;
  };
}

async function stats(port: number): Promise<ClusterStats> {
  return JSON.parse((await get(`http://127.0.0.1:${port}/stats`)).body) as ClusterStats;
}

/** `/stats` once it has counted at least `requests` (a request is counted when its span ends). */
async function statsAfter(port: number, requests: number): Promise<ClusterStats> {
  for (let attempt = 0; ; attempt += 1) {
    const snapshot = await stats(port);
    if (snapshot.requests >= requests || attempt === 50) return snapshot;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function endpoint(snapshot: ClusterStats, route: string): Endpoint | undefined {
  return snapshot.endpoints.find((candidate) => candidate.route === route);
}

/** Every series (name and labels) of an exposition, to find duplicates. */
function seriesKeys(samples: MetricSample[]): string[] {
  return samples.map((sample) => `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 100 && !(await condition()); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const schema = new TestSchema();

beforeAll(() => schema.create());
afterAll(() => schema.drop());

describe('a node:cluster app (3 workers sharing one port) preloaded with --import ./register.js', () => {
  let traced: TracedApp;
  /** Which worker served each request, in order. */
  const servedBy: number[] = [];

  beforeAll(async () => {
    traced = await startTracedApp(schema, {
      app: 'cluster-app.cjs',
      env: { PORT: String(await freePort()), WORKERS: '3', OTEL_SERVICE_NAME: 'meetings-cluster' },
    });
    for (let i = 1; i <= 24; i += 1) {
      const response = await get(traced.app.url(`/meetings/${i}`));
      expect(response.status).toBe(200);
      servedBy.push(Number(response.headers['x-worker-pid']));
    }
    for (let i = 0; i < 9; i += 1) {
      const response = await get(traced.app.url('/health'));
      expect(response.status).toBe(200);
      servedBy.push(Number(response.headers['x-worker-pid']));
    }
  });

  afterAll(async () => {
    for (const pid of new Set(servedBy)) {
      if (isAlive(pid)) process.kill(pid, 'SIGCONT');
    }
    await traced?.stop();
  });

  it('spreads the requests over more than one worker', () => {
    expect(new Set(servedBy).size).toBeGreaterThan(1);
  });

  it('serves one /stats on the primary that counts every request of every worker exactly', async () => {
    const snapshot = await statsAfter(traced.metricsPort, 33);
    expect(snapshot.requests).toBe(33);
    expect(endpoint(snapshot, '/meetings/{id}')).toMatchObject({ method: 'GET', requests: 24, dbQueriesAvg: 3, dbQueriesMax: 3 });
    expect(endpoint(snapshot, '/health')).toMatchObject({ method: 'GET', requests: 9, dbQueriesAvg: 0, dbQueriesMax: 0 });
    expect(snapshot.workers).toEqual({ live: 3, answered: 3, missing: [], exited: 0 });
    // Percentiles come from the workers' merged histograms, so they keep their order.
    const meetings = endpoint(snapshot, '/meetings/{id}')!;
    const ordered = [meetings.minMs, meetings.p50Ms, meetings.p95Ms, meetings.p99Ms, meetings.maxMs];
    expect([...ordered].sort((a, b) => a - b)).toEqual(ordered);
  });

  it('serves one /metrics whose series are the sums of the workers, target_info once', async () => {
    const text = (await get(`http://127.0.0.1:${traced.metricsPort}/metrics`)).body;
    const samples = parseMetrics(text);
    const meetings = { http_route: '/meetings/{id}' };
    expect(sumOf(samples, 'http_server_request_duration_count', meetings)).toBe(24);
    expect(sumOf(samples, 'http_server_request_duration_count', { http_route: '/health' })).toBe(9);
    expect(sumOf(samples, 'spanlens_request_db_queries_count', meetings)).toBe(24);
    expect(sumOf(samples, 'spanlens_request_db_queries_sum', meetings)).toBe(72);
    expect(sumOf(samples, 'spanlens_request_db_queries_sum', { http_route: '/health' })).toBe(0);
    expect(sumOf(samples, 'db_client_operation_duration_count')).toBe(72);

    expect(samples.filter((sample) => sample.name === 'target_info')).toHaveLength(1);
    const keys = seriesKeys(samples);
    expect(new Set(keys).size).toBe(keys.length);
    const typeLines = text.split('\n').filter((line) => line.startsWith('# TYPE '));
    expect(new Set(typeLines).size).toBe(typeLines.length);
    expect(text).toContain('# spanlens cluster: sums of the primary and 3 of 3 live workers');
  });

  it('still has each worker export the spans of the requests it served', async () => {
    const spans = await traced.receiver.waitFor((received) => serverRoots(received).length >= 33);
    expect(serverRoots(spans)).toHaveLength(33);
    expect(serverRoots(spans).every((root) => root.serviceName === 'meetings-cluster')).toBe(true);
  });

  it('answers without a worker that does not respond, says which, and uses its last answer', async () => {
    const stopped = servedBy[0]!;
    process.kill(stopped, 'SIGSTOP');
    try {
      const snapshot = await stats(traced.metricsPort);
      expect(snapshot.workers).toEqual({ live: 3, answered: 2, missing: [{ pid: stopped, reason: 'timeout', stale: true }], exited: 0 });
      expect(snapshot.requests).toBe(33);
      const text = (await get(`http://127.0.0.1:${traced.metricsPort}/metrics`)).body;
      expect(text).toContain(`# spanlens cluster: worker pid ${stopped} did not answer in time; its last answer is used`);
      expect(sumOf(parseMetrics(text), 'http_server_request_duration_count', { http_route: '/meetings/{id}' })).toBe(24);
    } finally {
      process.kill(stopped, 'SIGCONT');
    }
  });

  it("keeps a killed worker's counts, and goes on counting with the others", async () => {
    const killed = servedBy[1]!;
    process.kill(killed, 'SIGKILL');
    await waitUntil(async () => (await stats(traced.metricsPort)).workers?.exited === 1);
    const afterKill = await stats(traced.metricsPort);
    expect(afterKill.workers).toEqual({ live: 2, answered: 2, missing: [], exited: 1 });
    expect(afterKill.requests).toBe(33);

    for (let i = 1; i <= 6; i += 1) expect((await get(traced.app.url(`/meetings/${i}`))).status).toBe(200);
    const snapshot = await statsAfter(traced.metricsPort, 39);
    expect(snapshot.requests).toBe(39);
    expect(endpoint(snapshot, '/meetings/{id}')).toMatchObject({ requests: 30, dbQueriesAvg: 3 });
    const text = (await get(`http://127.0.0.1:${traced.metricsPort}/metrics`)).body;
    expect(sumOf(parseMetrics(text), 'http_server_request_duration_count', { http_route: '/meetings/{id}' })).toBe(30);
    expect(text).toContain('# spanlens cluster: 1 exited worker(s), their last answered counts kept');
  });

  it('binds the metrics port in the primary only: no worker warns about it', () => {
    const output = traced.app.stdout + traced.app.stderr;
    expect(output).not.toContain('EADDRINUSE');
    expect(output).not.toContain('cannot serve metrics');
  });
});

/** `count` consecutive ports that were free a moment ago. */
async function consecutiveFreePorts(count: number): Promise<number> {
  const isFree = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
  for (;;) {
    const base = await freePort();
    if (base + count - 1 > 65535) continue;
    let all = true;
    for (let offset = 1; offset < count && all; offset += 1) all = await isFree(base + offset);
    if (all) return base;
  }
}

describe('PM2 cluster mode: instances numbered by NODE_APP_INSTANCE', () => {
  it('has each instance serve its own counts on OTEL_EXPORTER_PROMETHEUS_PORT + NODE_APP_INSTANCE', async () => {
    const base = await consecutiveFreePorts(2);
    const instances = await Promise.all(
      ['0', '1'].map((instance) =>
        AppProcess.start({
          app: 'http-app.mjs',
          env: { ...schema.env(), OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_PROMETHEUS_PORT: String(base), NODE_APP_INSTANCE: instance },
        }),
      ),
    );
    try {
      const [first, second] = instances as [AppProcess, AppProcess];
      for (let i = 1; i <= 3; i += 1) expect((await get(first.url(`/meetings/${i}`))).status).toBe(200);
      for (let i = 1; i <= 5; i += 1) expect((await get(second.url(`/meetings/${i}`))).status).toBe(200);

      expect((await statsAfter(base, 3)).requests).toBe(3);
      expect((await statsAfter(base + 1, 5)).requests).toBe(5);
      const secondMetrics = parseMetrics((await get(`http://127.0.0.1:${base + 1}/metrics`)).body);
      expect(sumOf(secondMetrics, 'http_server_request_duration_count', { http_route: '/meetings/{id}' })).toBe(5);
    } finally {
      await Promise.all(instances.map((instance) => instance.stop()));
    }
    for (const instance of instances) expect(instance.stderr).not.toContain('cannot serve metrics');
  });

  it('serves each instance on its own port when PM2 runs them as node:cluster workers of its own primary', async () => {
    const base = await consecutiveFreePorts(2);
    // The primary plays PM2's daemon: not preloaded, it forks the instances with the preload.
    const pm2 = await AppProcess.start({
      app: 'cluster-app.cjs',
      preload: 'none',
      env: {
        ...schema.env(),
        PORT: String(await freePort()),
        WORKERS: '2',
        PM2_LIKE: '1',
        WORKER_PRELOAD: path.join(REPO_ROOT, 'register.js'),
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(base),
      },
    });
    try {
      const servedBy = { '0': 0, '1': 0 } as Record<string, number>;
      for (let i = 1; i <= 10; i += 1) {
        const response = await get(pm2.url(`/meetings/${i}`));
        expect(response.status).toBe(200);
        servedBy[String(response.headers['x-app-instance'])]! += 1;
      }
      expect(servedBy['0']! + servedBy['1']!).toBe(10);
      expect(servedBy['0']).toBeGreaterThan(0);
      expect(servedBy['1']).toBeGreaterThan(0);
      expect((await statsAfter(base, servedBy['0']!)).requests).toBe(servedBy['0']);
      expect((await statsAfter(base + 1, servedBy['1']!)).requests).toBe(servedBy['1']);
    } finally {
      await pm2.stop();
    }
    expect(pm2.stderr).not.toContain('cannot serve metrics');
  });

  it('says which instance, port and variables are involved when its port is taken, and keeps serving', async () => {
    const base = await consecutiveFreePorts(2);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(base + 1, '127.0.0.1', resolve));
    const app = await AppProcess.start({
      app: 'http-app.mjs',
      env: { ...schema.env(), OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_PROMETHEUS_PORT: String(base), NODE_APP_INSTANCE: '1' },
    });
    try {
      expect((await get(app.url('/meetings/1'))).status).toBe(200);
    } finally {
      await app.stop();
      blocker.close();
    }
    const warnings = app.stderr.split('\n').filter((line) => line.includes('cannot serve metrics'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`127.0.0.1:${base + 1} (EADDRINUSE)`);
    expect(warnings[0]).toContain(`NODE_APP_INSTANCE=1 serves metrics on OTEL_EXPORTER_PROMETHEUS_PORT (${base}) + 1`);
  });
});
