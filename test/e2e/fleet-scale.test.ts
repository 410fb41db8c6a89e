import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Snapshot } from '../../src/cli/snapshot';
import { FIXTURES } from './helpers/app-process';
import { CountingProxy } from './helpers/counting-proxy';
import { PrometheusServer } from './helpers/prometheus';
import { type CliRun, runSpanlens } from './helpers/spanlens-cli';

/**
 * The fleet report over a day of 20 instances × 500 routes, built with promtool from generated
 * OpenMetrics text (test/fixtures/fleet-tsdb.mjs; how long it takes is in `npm run bench`). Every
 * counter grows at a constant rate per route, so the true count of any window is known.
 */
interface FleetTsdb {
  dataDir: string;
  instances: number;
  routes: number;
  stepSeconds: number;
  slowRoute: number;
  nPlusOneEvery: number;
}

// The same formulas as the generator's.
const routeName = (route: number): string => `/r${String(route).padStart(3, '0')}/:id`;
const requestsPerStep = (route: number): number => 6 + (route % 7);
const queriesPerRequest = (route: number): number => 1 + (route % 5);

const RANGE_HOURS = 3;
const dir = mkdtempSync(path.join(tmpdir(), 'spanlens-fleet-tsdb-'));
let tsdb: FleetTsdb;
let prometheus: PrometheusServer;
let proxy: CountingProxy;

/** Runs the report through the counting proxy; returns the run and the queries it sent. */
async function fleetReport(args: string[]): Promise<{ run: CliRun; queries: string[] }> {
  const before = proxy.queries.length;
  const run = await runSpanlens(['report', '--prometheus', proxy.url, '--selector', '{job="api"}', '--range', `${RANGE_HOURS}h`, ...args]);
  return { run, queries: proxy.queries.slice(before) };
}

beforeAll(async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(FIXTURES, 'fleet-tsdb.mjs'), dir], { maxBuffer: 1 << 20 });
  tsdb = JSON.parse(stdout) as FleetTsdb;
  prometheus = new PrometheusServer([], { dataDir: tsdb.dataDir });
  await prometheus.start();
  proxy = new CountingProxy(prometheus.url);
  await proxy.start();
}, 240_000);

afterAll(async () => {
  await proxy?.stop();
  await prometheus?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('spanlens report --prometheus over 20 instances × 500 routes × 24 h', () => {
  let fleet: Snapshot;
  let queries: string[];

  beforeAll(async () => {
    const report = await fleetReport(['--json']);
    expect(report.run.stderr).toBe('');
    fleet = JSON.parse(report.run.stdout) as Snapshot;
    queries = report.queries;
  }, 60_000);

  it('asks the same nine queries as for three instances, none of them per route or instance', () => {
    expect(queries).toHaveLength(9);
    for (const query of queries) expect(query).not.toMatch(/\/r\d{3}|10\.0\.\d+\.1/);
  });

  it('says every instance was counting before the window, so the counts are increase()', () => {
    expect(fleet.fleet!.instances).toHaveLength(tsdb.instances);
    expect(fleet.fleet!.extrapolated).toEqual(fleet.fleet!.instances);
    expect(fleet.fleet!.down).toEqual([]);
    expect(fleet.fleet!.scrapeTargets).toBe(tsdb.instances);
  });

  it("counts each route's requests in the window within one sample interval per series, the most increase() extrapolates", () => {
    expect(fleet.endpoints).toHaveLength(tsdb.routes);
    const steps = (RANGE_HOURS * 3600) / tsdb.stepSeconds;
    for (let route = 0; route < tsdb.routes; route += 1) {
      const endpoint = fleet.endpoints.find((candidate) => candidate.route === routeName(route))!;
      const perInstanceStep = requestsPerStep(route);
      expect(Math.abs(endpoint.requests - tsdb.instances * steps * perInstanceStep)).toBeLessThanOrEqual(tsdb.instances * perInstanceStep);
      expect(endpoint.dbQueriesAvg).toBeCloseTo(queriesPerRequest(route), 6);
    }
  });

  it('finds the N+1 routes and puts the slow route first', () => {
    expect(fleet.nPlusOne.map((finding) => finding.route).sort()).toEqual(
      Array.from({ length: tsdb.routes / tsdb.nPlusOneEvery }, (_, i) => routeName(i * tsdb.nPlusOneEvery + 1)),
    );
    expect(fleet.endpoints[0]).toMatchObject({ route: routeName(tsdb.slowRoute), avgMs: 600 });
  });

  it('--baseline-offset shows the route made slower in the last hours as slower, with twice the queries', async () => {
    const { run, queries: sent } = await fleetReport(['--baseline-offset', '12h']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(sent).toHaveLength(18);
    const comparison = run.stdout.slice(run.stdout.indexOf('Compared with the baseline'));
    // 40 ms on average before, 600 ms now; p95 from (100 ms, 500 ms] to the +Inf bucket (500 ms, its lower bound).
    expect(comparison).toMatch(/│ GET +│ \/r000\/:id +│ 40\.0 → 600\.0 │ \+560\.0 ms \(\+1,400\.0 %\) │ 380\.0 → 500\.0 │ \+120\.0 ms \(\+31\.6 %\) │/);
    expect(comparison).toMatch(/, the top 10 of 500 endpoints by total time\n/);
    expect(comparison).toMatch(/│ GET +│ \/r006\/:id +│ +40\.0 → 40\.0 │ +0\.00 ms \(0\.0 %\) │/);
    expect(comparison).toMatch(/^Overall: [\d.]+ % slower/m);
  });
});
