import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { colour } from '../../../src/cli/colour';
import { REPORT_TOP_ROWS, renderReport } from '../../../src/cli/report';
import type { EndpointStatistics, Statistics } from '../../../src/stats/statistics';

const FIXTURES = join(__dirname, '../../fixtures/stats');
const GOLDEN = join(__dirname, '__golden__');
const load = (name: string): Statistics => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Statistics;

/** Compares with the golden file; `UPDATE_GOLDEN=1 npx jest test/unit/cli/report` rewrites it. */
function expectGolden(name: string, text: string): void {
  const file = join(GOLDEN, name);
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

const ANSI = /\u001b\[\d+m/;

describe('renderReport', () => {
  it('renders endpoints, N+1 findings, slow queries and the cache as plain text (golden)', () => {
    expectGolden('meetings-naive.txt', renderReport(load('meetings-naive')));
  });

  it('renders the comparison with a baseline and the overall improvement (golden)', () => {
    expectGolden('meetings-optimized-vs-naive.txt', renderReport(load('meetings-optimized'), { baseline: load('meetings-naive') }));
  });

  it('states the overall improvement in percent and how it is weighted', () => {
    const text = renderReport(load('compare-current'), { baseline: load('compare-baseline') });
    expect(text).toContain('Overall: 62.8 % faster: average request time 68.9 ms → 25.6 ms, queries per request 8.9 → 0.8');
    expect(text).toContain('(averages over the 3 endpoints in both snapshots, each weighted by its requests in this snapshot, 1,000 in all)');
    expect(text).toContain('Endpoints not compared: 1 only in this snapshot, 1 only in the baseline.');
    expect(text).toMatch(/GET +│ \/meetings\/:id +│ 200\.0 → 50\.0 │ -150\.0 ms \(-75\.0 %\) │ 400\.0 → 100\.0 │ -300\.0 ms \(-75\.0 %\) │ +26\.0 → 2\.0 │ -24\.0 \(-92\.3 %\) │/);
  });

  it('calls a slow-down slower', () => {
    expect(renderReport(load('compare-baseline'), { baseline: load('compare-current') })).toMatch(/Overall: [\d.]+ % slower/);
  });

  it(`shows the top ${REPORT_TOP_ROWS} endpoints by total time and says how many there are`, () => {
    const snapshot = load('compare-current');
    const template = snapshot.endpoints[0]!;
    const endpoints: EndpointStatistics[] = Array.from({ length: 15 }, (_, i) => ({ ...template, route: `/route-${i}` }));
    const text = renderReport({ ...snapshot, endpoints });
    expect(text).toContain(`Top endpoints by total time (top ${REPORT_TOP_ROWS} of 15)`);
    expect(text).toContain(`/route-${REPORT_TOP_ROWS - 1} `);
    expect(text).not.toContain(`/route-${REPORT_TOP_ROWS} `);
  });

  it(`compares only the top ${REPORT_TOP_ROWS} endpoints row by row, and all of them in the overall line`, () => {
    const snapshot = load('compare-current');
    const template = snapshot.endpoints[0]!;
    const endpoints: EndpointStatistics[] = Array.from({ length: 15 }, (_, i) => ({ ...template, route: `/route-${i}` }));
    const slower = endpoints.map((endpoint) => ({ ...endpoint, avgMs: endpoint.avgMs * 2 }));
    const text = renderReport({ ...snapshot, endpoints: slower }, { baseline: { ...snapshot, endpoints } });
    const comparison = text.slice(text.indexOf('Compared with the baseline'));
    expect(comparison.split('\n')[0]).toMatch(new RegExp(`, the top ${REPORT_TOP_ROWS} of 15 endpoints by total time$`));
    expect(comparison).toContain(`/route-${REPORT_TOP_ROWS - 1} `);
    expect(comparison).not.toContain(`/route-${REPORT_TOP_ROWS} `);
    expect(comparison).toContain('(averages over the 15 endpoints in both snapshots');
  });

  it('says so when there is nothing to show', () => {
    const empty: Statistics = {
      service: 'idle',
      since: '2026-03-01T00:00:00.000Z',
      requests: 0,
      endpoints: [],
      cache: { hits: 0, misses: 0, hitRate: null, namespaces: [] },
      slowQueries: [],
      nPlusOne: [],
    };
    expect(renderReport(empty)).toBe(
      [
        'spanlens report · service idle · 0 requests since 2026-03-01T00:00:00.000Z',
        '',
        'Top endpoints by total time',
        'No requests recorded yet.',
        '',
        'N+1 queries',
        'None found.',
        '',
        'Slow queries by total time',
        'None.',
        '',
        'Cache',
        'No cache lookups.',
        '',
      ].join('\n'),
    );
  });

  it('uses no escape codes without colour, and the same text inside them with colour', () => {
    const plain = renderReport(load('meetings-optimized'), { baseline: load('meetings-naive') });
    const coloured = renderReport(load('meetings-optimized'), { baseline: load('meetings-naive'), colour: colour(true) });
    expect(plain).not.toMatch(ANSI);
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain('\u001b[32m50.9 % faster\u001b[39m');
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(plain);
  });
});
