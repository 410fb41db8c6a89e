/**
 * The stack's queries, run live: two fixture apps preloaded with spanlens (Express as CommonJS with an
 * in-memory keyv, plain `http` as an ES module with keyv in Redis) on the real PostgreSQL, under a
 * bounded load of N+1 pages, slow queries, slow requests, 500s, 404s and cache hits and misses; a real
 * Prometheus scrapes them every second as jobs `express-app` and `http-app` and evaluates the bundled
 * prometheus/rules/*.yml every second. Every recording rule, every metric the alerts read and every query
 * of grafana/dashboards/*.json (variables substituted as Grafana would) must return data.
 *
 * What is honest to know about the windows: the rules' 5-minute rates need two samples of a series, not
 * five minutes of them, so after 15 s of load every rule has a value (extrapolated from 15 s of data, which
 * does not matter for "is there data"). Nothing here waits for an alert's `for`: the alerts' thresholds
 * and timing are proven by promtool in prometheus-rules.test.ts; here their inputs are proven to exist.
 */
import { AppProcess, freePort } from '../e2e/helpers/app-process';
import { TestSchema } from '../e2e/helpers/postgres';
import type { PromSample } from '../e2e/helpers/prometheus';
import { type DashboardQuery, dashboardFiles, readDashboardQueries, substituteVariables } from './helpers/dashboard-queries';
import { type Selection, resolveVariables, variableOptions } from './helpers/dashboard-variables';
import { vectorSelectors } from './helpers/promql-selectors';
import { type LoadResult, driveLoad } from './helpers/stack-load';
import { DASHBOARDS_DIR, RULES_DIR, bundledRules, yamlFilesIn } from './helpers/stack-files';
import { StackPrometheus } from './helpers/stack-prometheus';

const LOAD_MS = 15_000;
const REDIS_URL = 'redis://127.0.0.1:6379';
const GENERATED_DASHBOARDS = ['spanlens-endpoint.json', 'spanlens-overview.json'];

interface LiveApp {
  job: 'express-app' | 'http-app';
  fixture: string;
  /** The route label spanlens gives the N+1 page: the framework's, or its templated path. */
  nPlusOneRoute: string;
  process?: AppProcess;
  instance?: string;
  load?: LoadResult;
}

const apps: LiveApp[] = [
  { job: 'express-app', fixture: 'stack/express-app.cjs', nPlusOneRoute: '/users/:userId/meetings' },
  { job: 'http-app', fixture: 'stack/http-app.mjs', nPlusOneRoute: '/users/{id}/meetings' },
];
const schema = new TestSchema();
const namespace = `spanlens-live-${process.pid}-${Date.now().toString(36)}`;
let prometheus: StackPrometheus;
let loadStartSeconds = 0;

const hasValue = (samples: PromSample[]): boolean => samples.some((sample) => !Number.isNaN(Number(sample.value[1])));
const total = (samples: PromSample[]): number => Number(samples[0]?.value[1] ?? NaN);

beforeAll(async () => {
  await schema.create();
  await Promise.all(
    apps.map(async (app) => {
      const metricsPort = await freePort();
      app.process = await AppProcess.start({
        app: app.fixture,
        env: {
          ...schema.env(),
          OTEL_SERVICE_NAME: app.job,
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
          SPANLENS_SLOW_QUERY_MS: '50',
          SPANLENS_SLOW_REQUEST_MS: '100',
          CACHE_NAMESPACE: `${namespace}-${app.job}`,
          ...(app.job === 'http-app' ? { REDIS_URL } : {}),
        },
      });
      app.instance = `127.0.0.1:${metricsPort}`;
    }),
  );
  prometheus = new StackPrometheus(
    apps.map((app) => ({ name: app.job, targets: [app.instance!] })),
    yamlFilesIn(RULES_DIR),
  );
  await prometheus.start();

  loadStartSeconds = Date.now() / 1000;
  await Promise.all(apps.map(async (app) => (app.load = await driveLoad(app.process!.url(''), { durationMs: LOAD_MS, workers: 2 }))));
  // Every answered request scraped, and the rules evaluated on that scrape.
  for (const app of apps) {
    await prometheus.waitFor(`sum(spanlens_request_db_queries_count{job="${app.job}"})`, (samples) => total(samples) === app.load!.responses);
    await prometheus.waitFor(`job:spanlens_cache_hit_ratio:rate5m{job="${app.job}"}`, hasValue);
  }
}, 90_000);

afterAll(async () => {
  await prometheus?.stop();
  await Promise.all(apps.map((app) => app.process?.stop()));
  await schema.drop();
});

describe.each(apps)('the $job fixture under load', (app) => {
  it('answered pages, 404s and 500s, every request with a response', () => {
    expect(app.load!.errors).toEqual([]);
    expect(Object.keys(app.load!.byStatus).sort()).toEqual(['200', '404', '500']);
  });

  it('exports every request metric on its N+1 route, and cache hits and misses', async () => {
    const route = `job="${app.job}", http_route="${app.nPlusOneRoute}"`;
    const selectors = [
      `http_server_request_duration_bucket{${route}}`,
      `http_server_request_duration_count{${route}, http_response_status_code="500"}`,
      `spanlens_request_db_queries_bucket{${route}}`,
      `spanlens_request_db_duration_total{${route}}`,
      `spanlens_request_slow_total{${route}}`,
      `spanlens_db_slow_queries_total{${route}}`,
      `spanlens_n_plus_one_total{${route}, db_query_summary="SELECT meetings"}`,
      `http_server_request_duration_count{job="${app.job}", http_route="UNMATCHED", http_response_status_code="404"}`,
      `spanlens_cache_operations_total{job="${app.job}", spanlens_cache_result="hit"}`,
      `spanlens_cache_operations_total{job="${app.job}", spanlens_cache_result="miss"}`,
      `db_client_operation_duration_bucket{job="${app.job}"}`,
      `target_info{job="${app.job}", service_name="${app.job}"}`,
    ];
    const empty = [];
    for (const selector of selectors) if ((await prometheus.query(selector)).length === 0) empty.push(selector);
    expect(empty).toEqual([]);
  });

  it('labels upstream\'s request duration with the same route as spanlens\' metrics, request for request', async () => {
    const byRoute = async (metric: string): Promise<Record<string, number>> => {
      const samples = await prometheus.query(`sum by (http_route) (${metric}{job="${app.job}"})`);
      return Object.fromEntries(samples.map((sample) => [sample.metric['http_route'] ?? '(no route)', Number(sample.value[1])]));
    };
    const spanlensRoutes = await byRoute('spanlens_request_db_queries_count');
    expect(Object.keys(spanlensRoutes)).toContain(app.nPlusOneRoute);
    expect(Object.keys(spanlensRoutes)).toContain('UNMATCHED');
    expect(await byRoute('http_server_request_duration_count')).toEqual(spanlensRoutes);
  });
});

describe('the bundled rule files on a live Prometheus', () => {
  it('load, and every rule evaluates without error', async () => {
    const groups = await prometheus.rules();
    expect(groups.map((group) => group.group).sort()).toEqual(['spanlens-alerts', 'spanlens-recording']);
    const rules = groups.flatMap((group) => group.rules);
    expect(rules).toHaveLength(bundledRules().length);
    expect(rules.filter((rule) => rule.health !== 'ok' || rule.lastError)).toEqual([]);
  });

  it('record every recording rule for both apps', async () => {
    const missing = [];
    for (const rule of bundledRules().filter((rule) => rule.record !== undefined)) {
      for (const app of apps) if (!hasValue(await prometheus.query(`${rule.record}{job="${app.job}"}`))) missing.push(`${rule.record} for ${app.job}`);
    }
    expect(missing).toEqual([]);
  });

  it('find data for every metric the alerts read, from both apps', async () => {
    const missing = [];
    for (const rule of bundledRules().filter((rule) => rule.alert !== undefined)) {
      for (const selector of vectorSelectors(rule.expr)) {
        const jobs = (await prometheus.query(`count by (job) (${selector})`)).map((sample) => sample.metric['job']).sort();
        if (jobs.join() !== apps.map((app) => app.job).join()) missing.push(`${rule.alert}: ${selector} has series of ${JSON.stringify(jobs)}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('grafana/dashboards/*.json on a live Prometheus', () => {
  const files = dashboardFiles(DASHBOARDS_DIR);

  it('are the generated dashboards (npm run dashboards writes them)', () => {
    expect(files.map((file) => file.slice(DASHBOARDS_DIR.length + 1))).toEqual(expect.arrayContaining(GENERATED_DASHBOARDS));
  });

  // All services and instances (and every route where the dashboard offers All, else the Express app's
  // N+1 route), then each app alone on its own N+1 route, as a user would pick them.
  const selectionCases = (): Array<{ name: string; selections: Record<string, Selection> }> => [
    {
      name: 'all services',
      selections: {
        service: { all: true, value: apps[0]!.job },
        instance: { all: true, value: apps[0]!.instance! },
        route: { all: true, value: apps[0]!.nPlusOneRoute },
      },
    },
    ...apps.map((app) => ({
      name: app.job,
      selections: {
        service: { all: false, value: app.job },
        instance: { all: false, value: app.instance! },
        route: { all: false, value: app.nPlusOneRoute },
      },
    })),
  ];

  it('answer every panel query and every variable query with data, for all services and for each app', async () => {
    const queries = files.flatMap((file) => readDashboardQueries(file).map((query) => ({ file, query })));
    expect(queries.filter(({ query }) => query.kind === 'panel').length).toBeGreaterThan(0);
    const nowSeconds = Date.now() / 1000;
    const empty: string[] = [];
    for (const { name, selections } of selectionCases()) {
      for (const file of files) {
        let values: Record<string, string>;
        try {
          values = await resolveVariables(prometheus, file, selections);
        } catch (error) {
          empty.push(`[${name}] ${(error as Error).message}`);
          continue;
        }
        for (const { query } of queries.filter((entry) => entry.file === file)) {
          const text = substituteVariables(query.text, values);
          if (!(await answers(query, text, nowSeconds))) empty.push(`[${name}] ${query.source}: ${text}`);
        }
      }
    }
    expect(empty).toEqual([]);
  }, 60_000);
});

/** Whether a query returns at least one series with a value that is a number. */
async function answers(query: DashboardQuery, text: string, nowSeconds: number): Promise<boolean> {
  if (query.kind === 'variable') return (await variableOptions(prometheus, text)).length > 0;
  if (query.instant) return hasValue(await prometheus.query(text));
  const series = await prometheus.queryRange(text, Math.floor(loadStartSeconds), Math.ceil(nowSeconds), 1);
  return series.some((one) => one.values.some(([, value]) => !Number.isNaN(Number(value))));
}
