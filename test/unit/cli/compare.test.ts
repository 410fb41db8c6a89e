import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareSnapshots, metricChange } from '../../../src/cli/compare';
import type { Statistics } from '../../../src/stats/statistics';

const FIXTURES = join(__dirname, '../../fixtures/stats');
const load = (name: string): Statistics => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Statistics;

describe('compareSnapshots', () => {
  const comparison = compareSnapshots(load('compare-current'), load('compare-baseline'));

  it('compares the endpoints present in both, in the current order, leaving out the OTHER overflow', () => {
    expect(comparison.endpoints.map((e) => `${e.method} ${e.route}`)).toEqual(['GET /meetings/:id', 'GET /meetings', 'GET /health']);
    expect(comparison.onlyInCurrent).toBe(1); // GET /search
    expect(comparison.onlyInBaseline).toBe(1); // POST /meetings
  });

  it('gives the change of avg, p95 and queries per request, absolute and in percent', () => {
    const [meeting, meetings, health] = comparison.endpoints;
    expect(meeting).toEqual({
      method: 'GET',
      route: '/meetings/:id',
      requests: 300,
      baselineRequests: 100,
      avgMs: { before: 200, after: 50, change: -150, changePercent: -75 },
      p95Ms: { before: 400, after: 100, change: -300, changePercent: -75 },
      dbQueriesPerRequest: { before: 26, after: 2, change: -24, changePercent: (-24 / 26) * 100 },
    });
    expect(meetings!.avgMs).toEqual({ before: 80, after: 100, change: 20, changePercent: 25 });
    expect(meetings!.p95Ms).toEqual({ before: 150, after: 180, change: 30, changePercent: 20 });
    expect(meetings!.dbQueriesPerRequest).toEqual({ before: 11, after: 2, change: -9, changePercent: (-9 / 11) * 100 });
    expect(health!.avgMs).toEqual({ before: 1.5, after: 1, change: -0.5, changePercent: (-0.5 / 1.5) * 100 });
    // Nothing to divide by: no percentage.
    expect(health!.dbQueriesPerRequest).toEqual({ before: 0, after: 0, change: 0, changePercent: null });
  });

  it('weights the overall averages by the current request counts, for both snapshots', () => {
    const overall = comparison.overall!;
    expect(overall.endpoints).toBe(3);
    expect(overall.requests).toBe(1000);
    // (300 × 200 + 100 × 80 + 600 × 1.5) / 1000 and (300 × 50 + 100 × 100 + 600 × 1) / 1000
    expect(overall.avgMs.before).toBeCloseTo(68.9, 10);
    expect(overall.avgMs.after).toBeCloseTo(25.6, 10);
    expect(overall.improvementPercent).toBeCloseTo(((68.9 - 25.6) / 68.9) * 100, 10);
    expect(overall.dbQueriesPerRequest.before).toBeCloseTo(8.9, 10);
    expect(overall.dbQueriesPerRequest.after).toBeCloseTo(0.8, 10);
  });

  it('reports a slow-down as a negative improvement', () => {
    const reversed = compareSnapshots(load('compare-baseline'), load('compare-current'));
    // Weighted by the baseline's counts now: 100, 50, 200.
    const before = (100 * 50 + 50 * 100 + 200 * 1) / 350;
    const after = (100 * 200 + 50 * 80 + 200 * 1.5) / 350;
    expect(reversed.overall!.improvementPercent).toBeCloseTo(((before - after) / before) * 100, 10);
    expect(reversed.overall!.improvementPercent).toBeLessThan(0);
  });

  it('has no overall result when no endpoint is in both snapshots', () => {
    const current = load('compare-current');
    const baseline = { ...load('compare-baseline'), endpoints: [] };
    expect(compareSnapshots(current, baseline)).toMatchObject({ endpoints: [], onlyInCurrent: 4, onlyInBaseline: 0, overall: null });
  });
});

describe('metricChange', () => {
  it('is after − before, and a percentage of before', () => {
    expect(metricChange(40, 50)).toEqual({ before: 40, after: 50, change: 10, changePercent: 25 });
    expect(metricChange(0, 3)).toEqual({ before: 0, after: 3, change: 3, changePercent: null });
  });
});
