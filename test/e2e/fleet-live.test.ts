import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Snapshot } from '../../src/cli/snapshot';
import type { Statistics } from '../../src/stats/statistics';
import { AppProcess, freePort } from './helpers/app-process';
import { CountingProxy } from './helpers/counting-proxy';
import { TestSchema } from './helpers/postgres';
import { PrometheusServer } from './helpers/prometheus';
import { type CliRun, runSpanlens } from './helpers/spanlens-cli';

/**
 * Three preloaded instances of one service, scraped by a real Prometheus, under a known load: the fleet
 * report must add up to what was sent and to the instances' own /stats. The first instance starts and
 * serves its load a few seconds before the other two, so that a window can begin between them.
 * Prometheus only sees the instances through a proxy that wants a bearer token and counts the queries.
 */
const TOKEN = 'fleet-e2e-token-5b0d3e';
const SELECTOR = '{job="api"}';
const scratch = mkdtempSync(path.join(tmpdir(), 'spanlens-fleet-live-'));

type Request = [method: 'GET' | 'POST', path: string, route: string];
const meetingPage = (id: number): Request => ['GET', `/meetings/${id}`, '/meetings/:id'];
const meetingList: Request = ['GET', '/meetings', '/meetings'];
const settings = (id: number): Request => ['GET', `/settings/${id}`, '/settings/:id'];
const view = (id: number): Request => ['POST', `/meetings/${id}/views`, '/meetings/:id/views'];
const report: Request = ['GET', '/report', '/report'];
const missing: Request = ['GET', '/no-such-page', 'UNMATCHED'];
const times = (count: number, make: (i: number) => Request): Request[] => Array.from({ length: count }, (_, i) => make(i + 1));

/** What each instance is sent (different mixes, so that a per-instance mistake shows in the sums); the first one early. */
const LOAD: Request[][] = [
  [...times(7, meetingPage), ...times(3, () => meetingList), ...times(5, (i) => settings(1 + (i % 2))), ...times(2, view), report, missing],
  [...times(4, meetingPage), ...times(5, () => meetingList), ...times(4, (i) => settings(i)), view(4), report, report],
  [...times(9, meetingPage), ...times(2, () => meetingList), ...times(6, (i) => settings(1 + (i % 3))), ...times(3, view)],
];
const TOTAL = LOAD.flat().length;

const schema = new TestSchema();
const apps: AppProcess[] = [];
const metricsPorts: number[] = [];
let downTarget: string;
let prometheus: PrometheusServer;
let proxy: CountingProxy;
let stats: Statistics[];
/** After the first instance's load was scraped, before the others started. */
let betweenMs: number;

const fleetReport = (args: string[] = []): Promise<CliRun> =>
  runSpanlens(['report', '--prometheus', proxy.url, '--selector', SELECTOR, '--range', '10m', ...args], {
    SPANLENS_PROMETHEUS_BEARER_TOKEN: TOKEN,
  });

/** The sum of a number over the instances' /stats endpoints with this method and route. */
function statsSum(method: string, route: string, pick: (endpoint: Statistics['endpoints'][number]) => number): number {
  return stats
    .flatMap((snapshot) => snapshot.endpoints)
    .filter((endpoint) => endpoint.method === method && endpoint.route === route)
    .reduce((sum, endpoint) => sum + pick(endpoint), 0);
}

/** Starts instance `i` and sends it its load. */
async function startAndLoad(i: number): Promise<void> {
  const app = await AppProcess.start({
    app: 'fleet-app.cjs',
    env: {
      ...schema.env(),
      OTEL_SERVICE_NAME: 'api',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPorts[i]),
      SPANLENS_SLOW_REQUEST_MS: '200',
    },
  });
  apps.push(app);
  for (const [method, pathname] of LOAD[i]!) await (await fetch(app.url(pathname), { method })).arrayBuffer();
}

/** Waits until Prometheus has scraped `count` requests, spanlens' own metrics (recorded when the span ends) included. */
async function waitForScraped(count: number): Promise<void> {
  const scraped = (samples: { value: [number, string] }[]) => Number(samples[0]?.value[1]) === count;
  await prometheus.waitFor(`sum(http_server_request_duration_count${SELECTOR})`, scraped);
  await prometheus.waitFor(`sum(spanlens_request_db_queries_count${SELECTOR})`, scraped);
}

beforeAll(async () => {
  await schema.create();
  for (let i = 0; i < LOAD.length; i += 1) metricsPorts.push(await freePort());
  downTarget = `127.0.0.1:${await freePort()}`;
  await startAndLoad(0);
  const [first, ...later] = metricsPorts.map((port) => `127.0.0.1:${port}`);
  prometheus = new PrometheusServer([first!], { job: 'api', downTargets: [...later, downTarget] });
  await prometheus.start();
  proxy = new CountingProxy(prometheus.url, `Bearer ${TOKEN}`);
  await proxy.start();
  await waitForScraped(LOAD[0]!.length);

  betweenMs = Date.now() + 1000;
  await new Promise((resolve) => setTimeout(resolve, 5000));
  for (let i = 1; i < LOAD.length; i += 1) await startAndLoad(i);
  await prometheus.waitFor(`up${SELECTOR} == 1`, (samples) => samples.length === LOAD.length);
  await waitForScraped(TOTAL);
  stats = await Promise.all(metricsPorts.map(async (port) => (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as Statistics));
  expect(stats.reduce((sum, snapshot) => sum + snapshot.requests, 0)).toBe(TOTAL);
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await prometheus?.stop();
  await Promise.all(apps.map((app) => app.stop()));
  await schema.drop();
});

describe('spanlens report --prometheus over three live instances', () => {
  let text: CliRun;
  let fleet: Snapshot;
  let saved: string;
  let queriesPerReport: number;

  beforeAll(async () => {
    saved = path.join(scratch, 'fleet.json');
    const before = proxy.queries.length;
    text = await fleetReport(['--save', saved]);
    queriesPerReport = proxy.queries.length - before;
    expect(text.stderr).toBe('');
    expect(text.exitCode).toBe(0);
    fleet = JSON.parse(readFileSync(saved, 'utf8')) as Snapshot;
  });

  it('counts every route exactly what the load sent to all three, and what their /stats say', () => {
    const sent = new Map<string, number>();
    for (const [method, , route] of LOAD.flat()) sent.set(`${method} ${route}`, (sent.get(`${method} ${route}`) ?? 0) + 1);
    expect(new Map(fleet.endpoints.map((endpoint) => [`${endpoint.method} ${endpoint.route}`, endpoint.requests]))).toEqual(sent);
    for (const endpoint of fleet.endpoints) expect(endpoint.requests).toBe(statsSum(endpoint.method!, endpoint.route, (e) => e.requests));
    expect(fleet.requests).toBe(TOTAL);
  });

  it('says the counts are exact: every instance started inside the window', () => {
    expect(fleet.fleet!.extrapolated).toEqual([]);
    expect(text.stdout).toMatch(/^Counts: +exact: every instance's counters started within the window/m);
  });

  it('gives queries per request, slow requests and N+1 findings as the /stats reports added up', () => {
    for (const endpoint of fleet.endpoints) {
      const requests = statsSum(endpoint.method!, endpoint.route, (e) => e.requests);
      expect(endpoint.dbQueriesAvg).toBeCloseTo(statsSum(endpoint.method!, endpoint.route, (e) => e.requests * e.dbQueriesAvg) / requests, 2);
      expect(endpoint.slow).toBe(statsSum(endpoint.method!, endpoint.route, (e) => e.slow));
      expect(endpoint.nPlusOne).toBe(statsSum(endpoint.method!, endpoint.route, (e) => e.nPlusOne));
    }
    const meetingLists = LOAD.flat().filter(([, , route]) => route === '/meetings').length;
    expect(fleet.endpoints.find((endpoint) => endpoint.route === '/meetings')).toMatchObject({ dbQueriesAvg: 7, nPlusOne: meetingLists });
    const inStats = stats.flatMap((snapshot) => snapshot.nPlusOne).filter((finding) => finding.route === '/meetings');
    const occurrences = inStats.reduce((sum, finding) => sum + finding.occurrences, 0);
    expect(fleet.nPlusOne).toEqual([expect.objectContaining({ route: '/meetings', query: 'SELECT attendees', occurrences })]);
    expect(fleet.nPlusOne[0]!.occurrences).toBe(meetingLists);
  });

  it('counts slow statements and cache lookups as the /stats reports added up', () => {
    const slowInStats = stats.flatMap((snapshot) => snapshot.slowQueries).reduce((sum, query) => sum + query.count, 0);
    expect(fleet.slowQueries.reduce((sum, query) => sum + query.count, 0)).toBe(slowInStats);
    expect(fleet.slowQueries.find((query) => query.query === 'SELECT meetings')?.count).toBe(LOAD.flat().filter(([, , route]) => route === '/report').length);
    const namespaces = stats.flatMap((snapshot) => snapshot.cache.namespaces).filter((namespace) => namespace.namespace === 'settings');
    expect(fleet.cache.namespaces).toEqual([
      expect.objectContaining({
        namespace: 'settings',
        hits: namespaces.reduce((sum, namespace) => sum + namespace.hits, 0),
        misses: namespaces.reduce((sum, namespace) => sum + namespace.misses, 0),
      }),
    ]);
  });

  it("interpolates percentiles exactly as Prometheus' own histogram_quantile over the same buckets", async () => {
    for (const [quantile, field] of [
      [0.5, 'p50Ms'],
      [0.95, 'p95Ms'],
      [0.99, 'p99Ms'],
    ] as const) {
      const buckets = `last_over_time(http_server_request_duration_bucket${SELECTOR}[10m])`;
      const promql = `histogram_quantile(${quantile}, sum by (http_request_method, http_route, le) (${buckets}))`;
      const expected = new Map(
        (await prometheus.query(promql)).map((sample) => [
          `${sample.metric['http_request_method']} ${sample.metric['http_route']}`,
          Number(Number(Number(sample.value[1]) * 1000).toPrecision(3)),
        ]),
      );
      for (const endpoint of fleet.endpoints) expect(endpoint[field]).toBeCloseTo(expected.get(`${endpoint.method} ${endpoint.route}`)!, 3);
    }
    expect(text.stdout).toContain('Percentiles: interpolated in the request duration buckets summed over all instances (as histogram_quantile does)');
  });

  it('reports the target that is down instead of leaving it out', () => {
    expect(fleet.fleet!.instances).toHaveLength(3);
    expect(fleet.fleet!.down).toEqual([{ job: 'api', instance: downTarget }]);
    expect(text.stdout).toMatch(/^spanlens fleet report · service api · 3 instances · [\d,]+ requests in the 10m from /);
    expect(text.stdout).toContain(`Down:        1 target failed its last scrape in the window (up == 0)`);
    expect(text.stdout).toContain(`${downTarget} (job api)`);
  });

  it('asks Prometheus nine queries, whatever the number of routes and instances', () => {
    expect(queriesPerReport).toBe(9);
  });

  it('never prints or saves the token', () => {
    for (const output of [text.stdout, text.stderr, readFileSync(saved, 'utf8')]) expect(output).not.toContain(TOKEN);
  });

  it('prints the same report again from the --save file, and the same snapshot with --json', async () => {
    expect(await runSpanlens(['report', '--file', saved])).toEqual({ exitCode: 0, stdout: text.stdout, stderr: '' });
    const json = await runSpanlens(['report', '--file', saved, '--json']);
    expect(JSON.parse(json.stdout)).toEqual(fleet);
    // Asked again later, with no traffic since: the same snapshot but for when the window ends.
    const live = await fleetReport(['--json']);
    expect(live.exitCode).toBe(0);
    const withoutTimes = (snapshot: Snapshot): Snapshot => ({ ...snapshot, since: '', fleet: { ...snapshot.fleet!, start: '', end: '' } });
    expect(withoutTimes(JSON.parse(live.stdout) as Snapshot)).toEqual(withoutTimes(fleet));
  });

  it('compares with a saved fleet report: nothing changed since', async () => {
    const compared = await fleetReport(['--baseline', saved]);
    expect(compared.exitCode).toBe(0);
    expect(compared.stdout).toContain(`Compared with the baseline (${TOTAL} requests in the 10m from ${fleet.fleet!.start} to ${fleet.fleet!.end})`);
    expect(compared.stdout).toContain('Overall: no change');
  });

  it('counts exactly the instances that started inside a later window, and increase() for the one that ran before it', async () => {
    // The window begins after the first instance's load and before the others started.
    const seconds = Math.floor((Date.now() - betweenMs) / 1000);
    const file = path.join(scratch, 'later.json');
    const later = await fleetReport(['--range', `${seconds}s`, '--save', file]);
    expect(later.stderr).toBe('');
    expect(later.stdout).toContain('Counts:      exact for 2 instances whose counters started within the window; increase() for 1 counting before it began');
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
    expect(snapshot.fleet!.instances).toHaveLength(3);
    expect(snapshot.fleet!.extrapolated).toEqual([{ job: 'api', instance: `127.0.0.1:${metricsPorts[0]}` }]);
    // The first instance's counters did not move in the window: increase() of a flat counter is 0.
    const sent = new Map<string, number>();
    for (const [method, , route] of LOAD.slice(1).flat()) sent.set(`${method} ${route}`, (sent.get(`${method} ${route}`) ?? 0) + 1);
    expect(new Map(snapshot.endpoints.map((endpoint) => [`${endpoint.method} ${endpoint.route}`, endpoint.requests]))).toEqual(sent);
  });

  describe('exits 2 with one line on stderr', () => {
    const expectOneErrorLine = (result: CliRun, line: string | RegExp): void => {
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr.trimEnd()).toMatch(line);
      expect(result.exitCode).toBe(2);
    };

    it('when no spanlens metrics are under the selector', async () => {
      const result = await runSpanlens(['report', '--prometheus', prometheus.url, '--selector', '{job="billing"}']);
      const line = `^spanlens: no spanlens metrics under the selector \\{job="billing"\\} in the 1h up to \\S+ at ${prometheus.url}$`;
      expectOneErrorLine(result, new RegExp(line));
    });

    it('when the baseline window, a day earlier, holds none', async () => {
      const result = await fleetReport(['--baseline-offset', '1d']);
      expectOneErrorLine(result, /^spanlens: no spanlens metrics under the selector \{job="api"\} in the 10m up to \S+ \(the baseline window\) at /);
    });

    it('when Prometheus rejects the selector', async () => {
      const result = await runSpanlens(['report', '--prometheus', prometheus.url, '--selector', '{job=~"api("}']);
      expectOneErrorLine(result, /^spanlens: Prometheus rejected the selector \{job=~"api\("\}: .*error parsing regexp: missing closing \)/);
    });

    it('when the token is missing', async () => {
      const result = await runSpanlens(['report', '--prometheus', proxy.url, '--selector', SELECTOR]);
      expectOneErrorLine(
        result,
        `spanlens: Prometheus at ${proxy.url} answered HTTP 401 Unauthorized: set SPANLENS_PROMETHEUS_BEARER_TOKEN or SPANLENS_PROMETHEUS_BASIC_AUTH`,
      );
    });
  });
});
