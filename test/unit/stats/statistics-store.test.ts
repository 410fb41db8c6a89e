import { HISTOGRAM_SIGNIFICANT_DIGITS } from '../../../src/stats/latency-histogram';
import type { CacheLookupSample, NPlusOneLoopSample, NPlusOneSample, RequestSummary, SlowQuerySample } from '../../../src/processors/request-summary';
import {
  DEFAULT_MAX_ROUTES,
  MAX_CACHE_NAMESPACES,
  MAX_N_PLUS_ONE_FINDINGS,
  MAX_N_PLUS_ONE_LOOPS,
  MAX_SLOW_QUERY_FINGERPRINTS,
  OVERFLOW_ENDPOINT,
  StatisticsStore,
} from '../../../src/stats/statistics-store';
import type { EndpointStatistics } from '../../../src/stats/statistics';
import { MAX_TEXT_LENGTH } from '../../../src/stats/truncate-text';

function request(overrides: Partial<RequestSummary> = {}): RequestSummary {
  return {
    route: '/meetings/:id',
    method: 'GET',
    durationMs: 10,
    queryCount: 0,
    dbDurationMs: 0,
    slowQueryCount: 0,
    cacheHits: 0,
    cacheMisses: 0,
    slow: false,
    slowQueries: [],
    nPlusOne: [],
    loops: [],
    httpCallCount: 0,
    cacheLookups: [],
    ...overrides,
  };
}

function slowQuery(fingerprint: string, durationMs: number): SlowQuerySample {
  return { fingerprint, query: `SELECT * FROM t_${fingerprint} WHERE id = $1`, summary: `SELECT t_${fingerprint}`, durationMs };
}

function nPlusOne(fingerprint: string, repeats: number): NPlusOneSample {
  return {
    kind: 'db',
    fingerprint,
    query: `SELECT * FROM attendee WHERE meeting_id = $1 /* ${fingerprint} */`,
    summary: 'SELECT attendee',
    repeats,
    durationMs: repeats * 2,
    suggestion: 'WHERE attendee.meeting_id = ANY($1)',
    callSite: null,
    inLoop: false,
  };
}

function lookup(namespace: string | undefined, hits: number, misses: number): CacheLookupSample {
  return { namespace, hits, misses };
}

/** The nearest-rank percentile of `values`: the smallest value with at least p % of values at or below it. */
function truePercentile(values: number[], percentile: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((percentile / 100) * sorted.length) - 1]!;
}

/** Every order of `items`: a snapshot's order must not depend on the order things were first seen in. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('StatisticsStore', () => {
  describe('one endpoint fed 100 requests with known durations and query counts', () => {
    // Durations 2.5 ms … 250 ms in a scrambled order; query counts 0 … 9.
    const durations = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) * 2.5 + 2.5 + ((i * 7) % 10) / 1000);
    const queryCounts = Array.from({ length: 100 }, (_, i) => i % 10);
    // Fed inside each test, not once in the describe block: mutation testing counts a line as covered
    // only by the tests that run it.
    function fedEndpoint(): EndpointStatistics {
      const store = new StatisticsStore({ service: 'meetings-api' });
      durations.forEach((durationMs, i) => store.record(request({ durationMs, queryCount: queryCounts[i]!, slow: durationMs >= 200 })));
      return store.snapshot().endpoints[0]!;
    }

    it('counts every request and keeps the exact average, minimum and maximum', () => {
      const endpoint = fedEndpoint();
      const sum = durations.reduce((a, b) => a + b, 0);
      expect(endpoint).toMatchObject({ method: 'GET', route: '/meetings/:id', requests: 100 });
      expect(endpoint.avgMs).toBeCloseTo(sum / 100, 3);
      expect(endpoint.minMs).toBe(Math.min(...durations));
      expect(endpoint.maxMs).toBe(Math.max(...durations));
    });

    it.each([50, 95, 99] as const)('reports p%d within the histogram precision of the true percentile', (percentile) => {
      const reported = fedEndpoint()[`p${percentile}Ms`];
      const expected = truePercentile(durations, percentile);
      expect(Math.abs(reported - expected)).toBeLessThanOrEqual(expected * 10 ** -HISTOGRAM_SIGNIFICANT_DIGITS + 0.001);
    });

    it('averages and maximises the query counts and counts slow requests', () => {
      const endpoint = fedEndpoint();
      expect(endpoint.dbQueriesAvg).toBe(4.5);
      expect(endpoint.dbQueriesMax).toBe(9);
      expect(endpoint.slow).toBe(durations.filter((d) => d >= 200).length);
    });
  });

  it('keeps percentiles within the exact minimum and maximum', () => {
    const store = new StatisticsStore({ service: 's' });
    store.record(request({ durationMs: 1234.5678 }));
    const [endpoint] = store.snapshot().endpoints;
    expect(endpoint).toMatchObject({ minMs: 1234.568, maxMs: 1234.568, p50Ms: 1234.568, p95Ms: 1234.568, p99Ms: 1234.568 });
  });

  it('records a request longer than the histogram range at its exact maximum', () => {
    const store = new StatisticsStore({ service: 's' });
    const twoHoursMs = 2 * 3_600_000;
    store.record(request({ durationMs: twoHoursMs }));
    expect(store.snapshot().endpoints[0]).toMatchObject({ maxMs: twoHoursMs, avgMs: twoHoursMs });
  });

  it('reports service, creation time and the total number of requests', () => {
    const startedAt = new Date('2026-03-02T09:00:00.000Z');
    const store = new StatisticsStore({ service: 'meetings-api', startedAt });
    store.record(request());
    store.record(request({ route: '/health' }));
    expect(store.snapshot()).toMatchObject({ service: 'meetings-api', since: '2026-03-02T09:00:00.000Z', requests: 2 });
  });

  it('defaults `since` to the time the store was created', () => {
    const before = Date.now();
    const since = Date.parse(new StatisticsStore({ service: 's' }).snapshot().since);
    expect(since).toBeGreaterThanOrEqual(before);
    expect(since).toBeLessThanOrEqual(Date.now());
  });

  it('gives an empty snapshot before any request', () => {
    expect(new StatisticsStore({ service: 's', startedAt: new Date(0) }).snapshot()).toEqual({
      service: 's',
      since: '1970-01-01T00:00:00.000Z',
      requests: 0,
      endpoints: [],
      cache: { hits: 0, misses: 0, hitRate: null, namespaces: [] },
      slowQueries: [],
      nPlusOne: [],
      loops: [],
    });
  });

  it('sorts endpoints by total time spent, not by average or count', () => {
    const store = new StatisticsStore({ service: 's' });
    for (let i = 0; i < 100; i++) store.record(request({ route: '/many-fast', durationMs: 2 })); // 200 ms in all
    store.record(request({ route: '/one-slow', durationMs: 150 })); // 150 ms
    for (let i = 0; i < 10; i++) store.record(request({ route: '/some-medium', durationMs: 30 })); // 300 ms
    expect(store.snapshot().endpoints.map((e) => e.route)).toEqual(['/some-medium', '/many-fast', '/one-slow']);
  });

  it('lists endpoints of equal total time by method and route, the one without a method first, whatever the order of arrival', () => {
    const arrivals: Array<[string | undefined, string]> = [
      ['POST', '/a'],
      ['GET', '/b'],
      [undefined, '/c'],
      ['GET', '/a'],
    ];
    for (const order of permutations(arrivals)) {
      const store = new StatisticsStore({ service: 's' });
      for (const [method, route] of order) store.record(request({ method, route, durationMs: 10 }));
      expect(store.snapshot().endpoints.map((e) => `${e.method ?? '-'} ${e.route}`)).toEqual(['- /c', 'GET /a', 'GET /b', 'POST /a']);
    }
  });

  it('keeps the same route under different methods apart, and a request without a method under null', () => {
    const store = new StatisticsStore({ service: 's' });
    store.record(request({ route: '/meetings', method: 'GET' }));
    store.record(request({ route: '/meetings', method: 'POST' }));
    store.record(request({ route: 'process-job', method: undefined }));
    expect(store.snapshot().endpoints.map((e) => [e.method, e.route])).toEqual(
      expect.arrayContaining([
        ['GET', '/meetings'],
        ['POST', '/meetings'],
        [null, 'process-job'],
      ]),
    );
  });

  describe('cache hit rates', () => {
    it('computes hits / (hits + misses) per endpoint, overall and per namespace', () => {
      const store = new StatisticsStore({ service: 's' });
      store.record(request({ cacheHits: 3, cacheMisses: 1, cacheLookups: [lookup('meetings', 2, 1), lookup('users', 1, 0)] }));
      store.record(request({ cacheHits: 0, cacheMisses: 4, cacheLookups: [lookup('meetings', 0, 4)] }));
      const snapshot = store.snapshot();
      expect(snapshot.endpoints[0]!.cacheHitRate).toBe(0.375);
      expect(snapshot.cache).toEqual({
        hits: 3,
        misses: 5,
        hitRate: 0.375,
        namespaces: [
          { namespace: 'meetings', hits: 2, misses: 5, hitRate: 0.2857 },
          { namespace: 'users', hits: 1, misses: 0, hitRate: 1 },
        ],
      });
    });

    it('reports a null hit rate where there was no lookup', () => {
      const store = new StatisticsStore({ service: 's' });
      store.record(request({ route: '/health' }));
      store.record(request({ route: '/cached', cacheHits: 0, cacheMisses: 2, cacheLookups: [lookup(undefined, 0, 2)] }));
      const snapshot = store.snapshot();
      expect(snapshot.endpoints.find((e) => e.route === '/health')!.cacheHitRate).toBeNull();
      expect(snapshot.endpoints.find((e) => e.route === '/cached')!.cacheHitRate).toBe(0);
      expect(snapshot.cache.namespaces).toEqual([{ namespace: null, hits: 0, misses: 2, hitRate: 0 }]);
      expect(new StatisticsStore({ service: 's' }).snapshot().cache.hitRate).toBeNull();
    });
  });

  describe('slow queries', () => {
    it('aggregates slow statements by fingerprint: count, exact average and maximum, by total time', () => {
      const store = new StatisticsStore({ service: 's' });
      store.record(request({ slowQueries: [slowQuery('a', 200), slowQuery('a', 400), slowQuery('b', 300)] }));
      store.record(request({ slowQueries: [slowQuery('b', 900)] }));
      expect(store.snapshot().slowQueries).toEqual([
        { fingerprint: 'b', query: 'SELECT * FROM t_b WHERE id = $1', count: 2, avgMs: 600, maxMs: 900 },
        { fingerprint: 'a', query: 'SELECT * FROM t_a WHERE id = $1', count: 2, avgMs: 300, maxMs: 400 },
      ]);
    });
  });

  describe('N+1 findings', () => {
    it('counts the requests with a finding per endpoint and per (route, fingerprint), keeping the largest repeat count', () => {
      const store = new StatisticsStore({ service: 's' });
      store.record(request({ nPlusOne: [nPlusOne('f1', 12)] }));
      store.record(request({ nPlusOne: [nPlusOne('f1', 30), nPlusOne('f1', 8), nPlusOne('f2', 5)] }));
      store.record(request());
      store.record(request({ route: '/rooms', nPlusOne: [nPlusOne('f1', 6)] }));
      const snapshot = store.snapshot();
      expect(snapshot.endpoints.find((e) => e.route === '/meetings/:id')!.nPlusOne).toBe(2);
      expect(snapshot.nPlusOne).toEqual([
        {
          route: '/meetings/:id',
          kind: 'db',
          fingerprint: 'f1',
          query: nPlusOne('f1', 0).query,
          repeats: 30,
          occurrences: 2,
          inLoops: 0,
          suggestion: 'WHERE attendee.meeting_id = ANY($1)',
          callSite: null,
        },
        // Equally often found: the larger repeat count first.
        expect.objectContaining({ route: '/rooms', fingerprint: 'f1', repeats: 6, occurrences: 1 }),
        expect.objectContaining({ route: '/meetings/:id', fingerprint: 'f2', repeats: 5, occurrences: 1 }),
      ]);
    });

    it('keeps the kind of each finding and the last call site seen, which a request without one does not erase', () => {
      const store = new StatisticsStore({ service: 's' });
      const site = { file: 'src/meetings.js', line: 42, function: 'listMeetings' };
      const call: NPlusOneSample = { ...nPlusOne('GET api/users/{id}', 6), kind: 'http', query: 'GET api/users/{id}' };
      store.record(request({ nPlusOne: [{ ...nPlusOne('f1', 6), callSite: site }, call] }));
      store.record(request({ nPlusOne: [nPlusOne('f1', 6)] }));
      expect(store.snapshot().nPlusOne.map(({ kind, fingerprint, callSite }) => ({ kind, fingerprint, callSite }))).toEqual([
        { kind: 'db', fingerprint: 'f1', callSite: site },
        { kind: 'http', fingerprint: 'GET api/users/{id}', callSite: null },
      ]);
    });

    it('counts the requests in which a finding was a statement of a loop', () => {
      const store = new StatisticsStore({ service: 's' });
      store.record(request({ nPlusOne: [{ ...nPlusOne('f1', 6), inLoop: true }] }));
      store.record(request({ nPlusOne: [nPlusOne('f1', 6)] }));
      expect(store.snapshot().nPlusOne[0]).toMatchObject({ occurrences: 2, inLoops: 1 });
    });

    it('counts the most repeated of several findings of one fingerprint in a request, wherever it comes', () => {
      const store = new StatisticsStore({ service: 's' });
      store.record(request({ nPlusOne: [{ ...nPlusOne('f1', 8), suggestion: 'weaker' }, { ...nPlusOne('f1', 30), suggestion: 'stronger' }] }));
      expect(store.snapshot().nPlusOne).toEqual([expect.objectContaining({ fingerprint: 'f1', repeats: 30, occurrences: 1, suggestion: 'stronger' })]);
    });

    it('counts the first of equally repeated findings of one fingerprint in a request', () => {
      const store = new StatisticsStore({ service: 's' });
      const first = { file: 'src/first.js', line: 1, function: 'first' };
      const second = { file: 'src/second.js', line: 2, function: 'second' };
      store.record(
        request({
          nPlusOne: [
            { ...nPlusOne('f1', 6), suggestion: 'first', callSite: first },
            { ...nPlusOne('f1', 6), suggestion: 'second', callSite: second },
          ],
        }),
      );
      expect(store.snapshot().nPlusOne).toEqual([expect.objectContaining({ occurrences: 1, suggestion: 'first', callSite: first })]);
    });

    it('lists findings by occurrences, then repeats, then route, then fingerprint, whatever the order they were found in', () => {
      const findings: Array<[string, NPlusOneSample]> = [
        ['/b', nPlusOne('f1', 5)],
        ['/a', nPlusOne('f2', 5)],
        ['/a', nPlusOne('f1', 5)],
        ['/c', nPlusOne('f9', 7)],
      ];
      for (const order of permutations(findings)) {
        const store = new StatisticsStore({ service: 's' });
        for (const [route, finding] of order) store.record(request({ route, nPlusOne: [finding] }));
        store.record(request({ route: '/z', nPlusOne: [nPlusOne('f0', 5)] }));
        store.record(request({ route: '/z', nPlusOne: [nPlusOne('f0', 5)] }));
        expect(store.snapshot().nPlusOne.map((f) => `${f.route} ${f.fingerprint}`)).toEqual(['/z f0', '/c f9', '/a f1', '/a f2', '/b f1']);
      }
    });

    it('counts outgoing HTTP calls per request for each endpoint', () => {
      const store = new StatisticsStore({ service: 's' });
      for (const httpCallCount of [0, 3, 6]) store.record(request({ httpCallCount }));
      expect(store.snapshot().endpoints[0]!.httpCallsAvg).toBe(3);
    });
  });

  describe('loops', () => {
    const site = { file: 'src/articles.js', line: 12, function: 'listArticles' };
    function loop(iterations: number, fingerprints: string[], callSite: NPlusOneLoopSample['callSite'] = site): NPlusOneLoopSample {
      return {
        iterations,
        statements: fingerprints.map((fingerprint) => ({ kind: 'db', fingerprint, query: `SELECT ${fingerprint}` })),
        durationMs: iterations,
        suggestion: `load all ${iterations} before the loop`,
        callSite,
      };
    }

    it('counts the requests in which each loop (route and statements in order) was found, keeping the most iterations', () => {
      const store = new StatisticsStore({ service: 's' });
      store.record(request({ loops: [loop(6, ['a', 'b'])] }));
      store.record(request({ loops: [loop(9, ['a', 'b'], null), loop(5, ['a', 'b'])] }));
      store.record(request({ loops: [loop(5, ['b', 'a'])] }));
      store.record(request({ route: '/other', loops: [loop(5, ['a', 'b'])] }));
      expect(store.snapshot().loops).toEqual([
        {
          route: '/meetings/:id',
          iterations: 9,
          statements: [
            { fingerprint: 'a', query: 'SELECT a' },
            { fingerprint: 'b', query: 'SELECT b' },
          ],
          callSite: site,
          suggestion: 'load all 9 before the loop',
          occurrences: 2,
        },
        expect.objectContaining({ route: '/meetings/:id', statements: [expect.objectContaining({ fingerprint: 'b' }), expect.objectContaining({ fingerprint: 'a' })] }),
        expect.objectContaining({ route: '/other', occurrences: 1 }),
      ]);
    });

    it('counts the sample with the most iterations of a loop found twice in a request, wherever it comes', () => {
      const store = new StatisticsStore({ service: 's' });
      store.record(request({ loops: [loop(5, ['a', 'b']), loop(9, ['a', 'b'])] }));
      expect(store.snapshot().loops).toEqual([expect.objectContaining({ iterations: 9, suggestion: 'load all 9 before the loop', occurrences: 1 })]);
    });

    it('counts the first of equally long samples of a loop found twice in a request', () => {
      const store = new StatisticsStore({ service: 's' });
      const other = { file: 'src/other.js', line: 7, function: 'other' };
      store.record(request({ loops: [loop(5, ['a', 'b']), loop(5, ['a', 'b'], other)] }));
      expect(store.snapshot().loops).toEqual([expect.objectContaining({ callSite: site, occurrences: 1 })]);
    });

    it('reports no call site for a loop never seen with one', () => {
      const store = new StatisticsStore({ service: 's' });
      store.record(request({ loops: [loop(5, ['a', 'b'], null)] }));
      expect(store.snapshot().loops![0]!.callSite).toBeNull();
    });

    it('keeps apart loops whose route and fingerprints only run together alike', () => {
      const store = new StatisticsStore({ service: 's' });
      store.record(request({ route: '/a', loops: [loop(5, ['b', 'c'])] }));
      store.record(request({ route: '/ab', loops: [loop(5, ['c'])] }));
      expect(store.snapshot().loops!.map((l) => ({ route: l.route, occurrences: l.occurrences }))).toEqual([
        { route: '/a', occurrences: 1 },
        { route: '/ab', occurrences: 1 },
      ]);
    });

    it('lists loops by occurrences, then iterations, then route and statements, whatever the order they were found in', () => {
      const found: Array<[string, NPlusOneLoopSample]> = [
        ['/b', loop(5, ['a'])],
        ['/a', loop(5, ['b', 'a'])],
        ['/a', loop(5, ['a', 'b'])],
        ['/c', loop(8, ['z'])],
      ];
      for (const order of permutations(found)) {
        const store = new StatisticsStore({ service: 's' });
        for (const [route, sample] of order) store.record(request({ route, loops: [sample] }));
        store.record(request({ route: '/z', loops: [loop(2, ['y'])] }));
        store.record(request({ route: '/z', loops: [loop(2, ['y'])] }));
        const listed = store.snapshot().loops!.map((l) => `${l.route} ${l.statements.map((statement) => statement.fingerprint).join(',')}`);
        expect(listed).toEqual(['/z y', '/c z', '/a a,b', '/a b,a', '/b a']);
      }
    });

    it(`keeps at most MAX_N_PLUS_ONE_LOOPS (${MAX_N_PLUS_ONE_LOOPS}) loops`, () => {
      const store = new StatisticsStore({ service: 's' });
      for (let i = 0; i < MAX_N_PLUS_ONE_LOOPS + 20; i++) store.record(request({ loops: [loop(5, [`x${i}`, `y${i}`])] }));
      expect(store.snapshot().loops).toHaveLength(MAX_N_PLUS_ONE_LOOPS);
    });
  });

  describe('bounds', () => {
    it(`lists at most maxRoutes endpoints (default ${DEFAULT_MAX_ROUTES}) and counts the rest under * OTHER`, () => {
      const store = new StatisticsStore({ service: 's' });
      for (let i = 0; i < DEFAULT_MAX_ROUTES + 50; i++) store.record(request({ route: `/r${i}`, durationMs: 1 }));
      store.record(request({ route: '/r0', durationMs: 1 }));
      const snapshot = store.snapshot();
      expect(snapshot.endpoints).toHaveLength(DEFAULT_MAX_ROUTES + 1);
      expect(snapshot.endpoints.find((e) => e.route === '/r0')!.requests).toBe(2);
      expect(snapshot.endpoints[0]).toMatchObject({ ...OVERFLOW_ENDPOINT, requests: 50 });
      expect(snapshot.requests).toBe(DEFAULT_MAX_ROUTES + 51);
    });

    it('honours a smaller maxRoutes and counts method + route pairs', () => {
      const store = new StatisticsStore({ service: 's', maxRoutes: 2 });
      store.record(request({ route: '/a', method: 'GET' }));
      store.record(request({ route: '/a', method: 'POST' }));
      store.record(request({ route: '/a', method: 'DELETE' }));
      store.record(request({ route: '/b', method: 'GET' }));
      expect(store.snapshot().endpoints.map((e) => `${e.method} ${e.route} ${e.requests}`)).toEqual([
        '* OTHER 2',
        'GET /a 1',
        'POST /a 1',
      ]);
    });

    it('counts requests the processor already put under route OTHER in the overflow endpoint', () => {
      const store = new StatisticsStore({ service: 's' });
      store.record(request({ route: 'OTHER', method: 'GET' }));
      store.record(request({ route: 'OTHER', method: 'POST' }));
      expect(store.snapshot().endpoints).toEqual([expect.objectContaining({ method: '*', route: 'OTHER', requests: 2 })]);
    });

    it(`keeps at most ${MAX_SLOW_QUERY_FINGERPRINTS} slow query fingerprints, evicting the least counted`, () => {
      const store = new StatisticsStore({ service: 's' });
      store.record(request({ slowQueries: [slowQuery('frequent', 300), slowQuery('frequent', 300)] }));
      for (let i = 0; i < MAX_SLOW_QUERY_FINGERPRINTS * 3; i++) store.record(request({ slowQueries: [slowQuery(`once-${i}`, 250)] }));
      const { slowQueries } = store.snapshot();
      expect(slowQueries).toHaveLength(MAX_SLOW_QUERY_FINGERPRINTS);
      expect(slowQueries.find((q) => q.fingerprint === 'frequent')).toMatchObject({ count: 2 });
      // The most recent one-off shapes are the ones kept.
      expect(slowQueries.some((q) => q.fingerprint === `once-${MAX_SLOW_QUERY_FINGERPRINTS * 3 - 1}`)).toBe(true);
      expect(slowQueries.some((q) => q.fingerprint === 'once-0')).toBe(false);
    });

    it(`keeps at most ${MAX_N_PLUS_ONE_FINDINGS} N+1 findings, evicting the least often found`, () => {
      const store = new StatisticsStore({ service: 's' });
      for (let i = 0; i < 3; i++) store.record(request({ route: '/hot', nPlusOne: [nPlusOne('hot', 10)] }));
      for (let i = 0; i < MAX_N_PLUS_ONE_FINDINGS * 2; i++) store.record(request({ route: `/r${i % 7}`, nPlusOne: [nPlusOne(`f${i}`, 5)] }));
      const findings = store.snapshot().nPlusOne;
      expect(findings).toHaveLength(MAX_N_PLUS_ONE_FINDINGS);
      expect(findings[0]).toMatchObject({ route: '/hot', fingerprint: 'hot', occurrences: 3 });
    });

    it(`lists at most ${MAX_CACHE_NAMESPACES} cache namespaces and counts the rest under OTHER`, () => {
      const store = new StatisticsStore({ service: 's' });
      for (let i = 0; i < MAX_CACHE_NAMESPACES + 20; i++) {
        store.record(request({ cacheHits: 1, cacheMisses: 1, cacheLookups: [lookup(`ns${i}`, 1, 1)] }));
      }
      const { cache } = store.snapshot();
      expect(cache.namespaces).toHaveLength(MAX_CACHE_NAMESPACES + 1);
      expect(cache.namespaces[0]).toEqual({ namespace: 'OTHER', hits: 20, misses: 20, hitRate: 0.5 });
      expect(cache).toMatchObject({ hits: MAX_CACHE_NAMESPACES + 20, misses: MAX_CACHE_NAMESPACES + 20 });
    });

    it(`truncates query and suggestion texts to ${MAX_TEXT_LENGTH} characters`, () => {
      const store = new StatisticsStore({ service: 's' });
      const huge = `SELECT ${'x, '.repeat(5000)}y FROM t`;
      store.record(request({ slowQueries: [{ fingerprint: 'h', query: huge, summary: 'SELECT t', durationMs: 300 }], nPlusOne: [{ ...nPlusOne('h', 5), query: huge, suggestion: huge }] }));
      const snapshot = store.snapshot();
      expect(snapshot.slowQueries[0]!.query).toHaveLength(MAX_TEXT_LENGTH);
      expect(snapshot.nPlusOne[0]!.query).toHaveLength(MAX_TEXT_LENGTH);
      expect(snapshot.nPlusOne[0]!.suggestion).toHaveLength(MAX_TEXT_LENGTH);
    });

    it('does not grow with traffic on known keys', () => {
      const store = new StatisticsStore({ service: 's' });
      const traffic = (n: number): void => {
        for (let i = 0; i < n; i++) {
          store.record(
            request({
              route: `/r${i % 5}`,
              durationMs: (i % 1000) + 0.5,
              slowQueries: [slowQuery(`q${i % 3}`, 300)],
              nPlusOne: [nPlusOne(`f${i % 3}`, 5)],
              cacheLookups: [lookup(`ns${i % 4}`, 1, 0)],
            }),
          );
        }
      };
      traffic(5_000);
      const footprintAfter5k = JSON.stringify(store.snapshot()).length;
      traffic(50_000);
      const snapshot = store.snapshot();
      expect(snapshot.requests).toBe(55_000);
      expect(snapshot.endpoints).toHaveLength(5);
      expect(snapshot.slowQueries).toHaveLength(3);
      expect(snapshot.nPlusOne).toHaveLength(15);
      expect(snapshot.cache.namespaces).toHaveLength(4);
      // Only the digits of the counters grow.
      expect(JSON.stringify(snapshot).length).toBeLessThan(footprintAfter5k * 1.1);
    });
  });
});
