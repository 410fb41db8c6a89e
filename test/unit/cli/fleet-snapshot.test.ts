import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFleetSnapshot, type FleetContext, type FleetQueryResults } from '../../../src/cli/fleet/fleet-snapshot';
import { instanceQueries, sectionQueries } from '../../../src/cli/fleet/fleet-queries';
import type { PromSample } from '../../../src/cli/fleet/prometheus-client';
import { renderReport } from '../../../src/cli/report';
import { asSnapshot } from '../../../src/cli/statistics-shape';

const GOLDEN = join(__dirname, '__golden__');

/** Compares with the golden file; `UPDATE_GOLDEN=1 npx jest test/unit/cli/fleet-snapshot` rewrites it. */
function expectGolden(name: string, text: string): void {
  const file = join(GOLDEN, name);
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

const sample = (metric: Record<string, string>, value: number | string): PromSample => ({ metric, value: [1_772_445_600, String(value)] });

// OpenTelemetry's default request duration buckets (seconds).
const BOUNDS = ['0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf'];

interface EndpointLoad {
  method: string;
  route: string;
  /** Requests per bucket (not cumulative), one per bound. */
  perBucket: number[];
  seconds: number;
  queries: number;
  slow?: number;
}

/** What Prometheus answers to the fleet queries for these endpoints (the sums already taken by PromQL). */
function answers(endpoints: EndpointLoad[], extra: Partial<FleetQueryResults> = {}): FleetQueryResults {
  const key = (endpoint: EndpointLoad) => ({ http_request_method: endpoint.method, http_route: endpoint.route });
  return {
    targets: [
      sample({ __name__: 'up', job: 'api', instance: '10.0.0.1:9464' }, 1),
      sample({ __name__: 'up', job: 'api', instance: '10.0.0.2:9464' }, 1),
      sample({ __name__: 'up', job: 'api', instance: '10.0.0.3:9464' }, 1),
      sample({ __name__: 'up', job: 'api', instance: '10.0.0.4:9464' }, 0),
    ],
    instances: [
      sample({ job: 'api', instance: '10.0.0.1:9464' }, 1),
      sample({ job: 'api', instance: '10.0.0.2:9464' }, 0),
      sample({ job: 'api', instance: '10.0.0.3:9464' }, 0),
    ],
    requestBuckets: endpoints.flatMap((endpoint) => {
      let cumulative = 0;
      return BOUNDS.map((le, i) => sample({ ...key(endpoint), le }, (cumulative += endpoint.perBucket[i] ?? 0)));
    }),
    requestSeconds: endpoints.map((endpoint) => sample(key(endpoint), endpoint.seconds)),
    queriesPerRequest: endpoints.map((endpoint) => sample(key(endpoint), endpoint.queries)),
    slowRequests: endpoints.filter((endpoint) => endpoint.slow !== undefined).map((endpoint) => sample(key(endpoint), endpoint.slow!)),
    nPlusOne: [sample({ http_route: '/meetings', db_query_summary: 'SELECT attendees' }, 611.6)],
    slowQueries: [sample({ db_query_summary: 'SELECT meetings' }, 41), sample({ db_query_summary: 'UPDATE meetings' }, 3)],
    cache: [
      sample({ spanlens_cache_namespace: 'settings', spanlens_cache_result: 'hit' }, 1804.2),
      sample({ spanlens_cache_namespace: 'settings', spanlens_cache_result: 'miss' }, 395.8),
      sample({ spanlens_cache_namespace: 'settings', spanlens_cache_result: 'none' }, 396),
    ],
    ...extra,
  };
}

type FleetEndpoints = EndpointLoad[];

const NOW: FleetEndpoints = [
  { method: 'GET', route: '/meetings', perBucket: [0, 0, 0, 10, 80, 300, 200, 20, 2], seconds: 72.9, queries: 7, slow: 0 },
  { method: 'GET', route: '/meetings/:id', perBucket: [300, 900, 700, 250, 40, 10], seconds: 28.6, queries: 3 },
  { method: 'GET', route: '/report', perBucket: [0, 0, 0, 0, 0, 0, 0, 30, 10, 1], seconds: 24.3, queries: 1, slow: 41 },
  { method: 'GET', route: '/settings/:id', perBucket: [1500, 600, 90, 10], seconds: 12.2, queries: 0.18 },
  { method: 'POST', route: '/meetings/:id/views', perBucket: [20, 60, 19, 1], seconds: 1.0, queries: 1 },
];

// A day earlier the meeting list had no N+1 fix yet either, but the meeting page was slower.
const DAY_BEFORE: FleetEndpoints = [
  { method: 'GET', route: '/meetings', perBucket: [0, 0, 0, 8, 70, 310, 190, 25, 1], seconds: 73.5, queries: 7, slow: 0 },
  { method: 'GET', route: '/meetings/:id', perBucket: [0, 100, 600, 900, 500, 100], seconds: 89.1, queries: 9 },
  { method: 'GET', route: '/report', perBucket: [0, 0, 0, 0, 0, 0, 0, 28, 12, 1], seconds: 24.8, queries: 1, slow: 41 },
  { method: 'GET', route: '/settings/:id', perBucket: [1400, 700, 80, 20], seconds: 12.6, queries: 0.2 },
];

const CONTEXT: FleetContext = {
  prometheus: 'https://prometheus.example.net',
  selector: '{job="api"}',
  range: '1h',
  start: '2026-03-02T09:00:00.000Z',
  end: '2026-03-02T10:00:00.000Z',
};
const DAY_BEFORE_CONTEXT: FleetContext = { ...CONTEXT, start: '2026-03-01T09:00:00.000Z', end: '2026-03-01T10:00:00.000Z' };

describe('buildFleetSnapshot', () => {
  const snapshot = buildFleetSnapshot(answers(NOW), CONTEXT);

  it('gives each endpoint its requests from the +Inf bucket, its average from the sum, in order of total time', () => {
    expect(snapshot.endpoints.map((endpoint) => `${endpoint.method} ${endpoint.route} ${endpoint.requests}`)).toEqual([
      'GET /meetings 612',
      'GET /meetings/:id 2200',
      'GET /report 41',
      'GET /settings/:id 2200',
      'POST /meetings/:id/views 100',
    ]);
    expect(snapshot.endpoints[0]).toMatchObject({ avgMs: 119.118, dbQueriesAvg: 7, slow: 0, nPlusOne: 612 });
    expect(snapshot.requests).toBe(5153);
  });

  it('interpolates percentiles in the summed buckets and says how fine they are', () => {
    // /meetings/:id, 2,200 requests: the 1,100th is the 800th of 900 in (5 ms, 10 ms], the 2,090th the
    // 190th of 250 in (25 ms, 50 ms], the 2,178th the 28th of 40 in (50 ms, 75 ms].
    expect(snapshot.endpoints[1]).toMatchObject({ p50Ms: 9.44, p95Ms: 44, p99Ms: 67.5 });
    expect(snapshot.fleet!.requestDurationBucketsMs).toEqual([5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10_000]);
  });

  it('leaves null what the metrics cannot tell', () => {
    expect(snapshot.endpoints[0]).toMatchObject({ minMs: null, maxMs: null, dbQueriesMax: null, cacheHitRate: null });
    expect(snapshot.nPlusOne).toEqual([
      { route: '/meetings', fingerprint: null, query: 'SELECT attendees', repeats: null, occurrences: 612, suggestion: null },
    ]);
    expect(snapshot.slowQueries[0]).toEqual({ fingerprint: null, query: 'SELECT meetings', count: 41, avgMs: null, maxMs: null });
  });

  it('names the instances, the targets that are down and those whose counts are extrapolated', () => {
    expect(snapshot.service).toBe('api');
    expect(snapshot.fleet).toMatchObject({
      instances: [
        { job: 'api', instance: '10.0.0.1:9464' },
        { job: 'api', instance: '10.0.0.2:9464' },
        { job: 'api', instance: '10.0.0.3:9464' },
      ],
      down: [{ job: 'api', instance: '10.0.0.4:9464' }],
      extrapolated: [{ job: 'api', instance: '10.0.0.1:9464' }],
    });
  });

  it('says when no target is down, and when there are no scrape targets to tell', () => {
    const up = answers(NOW).targets.slice(0, 3);
    expect(renderReport(buildFleetSnapshot(answers(NOW, { targets: up }), CONTEXT))).toMatch(
      /^Down: +none: all 3 scrape targets under the selector answered their last scrape in the window$/m,
    );
    expect(renderReport(buildFleetSnapshot(answers(NOW, { targets: [] }), CONTEXT))).toMatch(
      /^Down: +unknown: no scrape target under the selector \(no up series\), as with pushed metrics$/m,
    );
  });

  it('says when no target_info tells instances apart, and counts with increase() then', () => {
    const snapshot = buildFleetSnapshot(answers(NOW, { instances: [] }), CONTEXT);
    expect(snapshot.service).toBe('(unknown: no target_info under the selector)');
    expect(renderReport(snapshot)).toMatch(/^Counts: +increase\(\) over the window, as no target_info under the selector tells when processes started, /m);
  });

  it('counts cache hits and misses by namespace, leaving out operations that look nothing up', () => {
    expect(snapshot.cache).toEqual({ hits: 1804, misses: 396, hitRate: 0.82, namespaces: [{ namespace: 'settings', hits: 1804, misses: 396, hitRate: 0.82 }] });
  });

  it('drops endpoints without a request in the window', () => {
    const idle = buildFleetSnapshot(answers([{ method: 'GET', route: '/idle', perBucket: [], seconds: 0, queries: Number.NaN }]), CONTEXT);
    expect(idle.endpoints).toEqual([]);
  });

  it('is a snapshot --file and --baseline read back', () => {
    expect(asSnapshot(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
  });

  it('renders the fleet report (golden)', () => {
    expectGolden('fleet-api.txt', renderReport(snapshot));
  });

  it('renders the comparison with the same window a day earlier (golden)', () => {
    const baseline = buildFleetSnapshot(answers(DAY_BEFORE), DAY_BEFORE_CONTEXT);
    expectGolden('fleet-api-vs-day-before.txt', renderReport(snapshot, { baseline }));
  });
});

describe('the fleet queries', () => {
  const queries = { ...instanceQueries('{job="api"}', '1h'), ...sectionQueries('{job="api"}', '1h', 'increase') };

  it('are nine: two about the instances, one per section, each summed by the keys of its table', () => {
    expect(Object.keys(queries)).toHaveLength(9);
    expect(queries.requestBuckets).toBe(
      'sum by (http_request_method, http_route, le) (increase(http_server_request_duration_bucket{job="api"}[1h]))',
    );
    expect(queries.nPlusOne).toBe('sum by (http_route, db_query_summary) (increase(spanlens_n_plus_one_total{job="api"}[1h]))');
    expect(queries.cache).toMatch(/^sum by \(spanlens_cache_namespace, spanlens_cache_result\) \(/);
    expect(queries.targets).toBe('last_over_time(up{job="api"}[1h])');
  });

  it('put the selector on every series they read', () => {
    const exact = sectionQueries('{job="api"}', '1h', 'exact-where-possible');
    for (const query of [...Object.values(queries), ...Object.values(exact)]) {
      const selectors = query.match(/\b[a-z_]+(?:\{[^}]*\})?\[1h\]/g) ?? [];
      expect(selectors.length).toBeGreaterThan(0);
      for (const selector of selectors) expect(selector).toMatch(/\{job="api"\}\[1h\]$/);
    }
  });

  it('read counters as they stand for instances whose single process started inside the window', () => {
    const startedInside =
      'count by (job, instance) (last_over_time(target_info{job="api"}[1h])) == 1 ' +
      'unless on (job, instance) present_over_time(target_info{job="api"}[1h] offset 1h)';
    expect(queries.instances).toBe(`0 * (${startedInside}) or 1 + 0 * count by (job, instance) (last_over_time(target_info{job="api"}[1h]))`);
    expect(sectionQueries('{job="api"}', '1h', 'exact-where-possible').requestSeconds).toBe(
      'sum by (http_request_method, http_route) (' +
        `(last_over_time(http_server_request_duration_sum{job="api"}[1h]) and on (job, instance) (${startedInside})) ` +
        'or increase(http_server_request_duration_sum{job="api"}[1h]))',
    );
  });

  it('read every series once when every instance was running before the window', () => {
    for (const query of Object.values(sectionQueries('{job="api"}', '1h', 'increase'))) {
      expect(query).not.toMatch(/last_over_time|target_info/);
    }
  });
});
