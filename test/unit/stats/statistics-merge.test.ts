import fc from 'fast-check';
import type { NPlusOneSample, RequestSummary } from '../../../src/processors/request-summary';
import { EndpointAccumulator } from '../../../src/stats/endpoint-accumulator';
import type { StatisticsState } from '../../../src/stats/statistics-state';
import { OVERFLOW_ENDPOINT, StatisticsStore } from '../../../src/stats/statistics-store';

const ROUTES = ['/meetings/{id}', '/users/{id}', '/report', '/health', 'OTHER'];
const FINGERPRINTS = ['a1', 'b2', 'c3'];

/**
 * Requests of a few endpoints with everything a summary carries. Durations are whole milliseconds, so
 * that sums are exact in any order and the comparison below is about merging, not float rounding.
 */
const summaryArbitrary: fc.Arbitrary<RequestSummary> = fc
  .record({
    route: fc.constantFrom(...ROUTES),
    method: fc.constantFrom<string | undefined>('GET', 'GET', 'POST', undefined),
    durationMs: fc.integer({ min: 0, max: 5_000_000 }),
    queryCount: fc.integer({ min: 0, max: 40 }),
    cacheHits: fc.integer({ min: 0, max: 3 }),
    cacheMisses: fc.integer({ min: 0, max: 3 }),
    namespace: fc.constantFrom<string | undefined>('sessions', 'users', undefined),
    slow: fc.boolean(),
    slowQueries: fc.array(fc.record({ fingerprint: fc.constantFrom(...FINGERPRINTS), durationMs: fc.integer({ min: 200, max: 3000 }) }), { maxLength: 2 }),
    nPlusOne: fc.array(fc.record({ fingerprint: fc.constantFrom(...FINGERPRINTS), repeats: fc.integer({ min: 5, max: 60 }), inLoop: fc.boolean() }), { maxLength: 2 }),
    httpCallCount: fc.integer({ min: 0, max: 6 }),
    loops: fc.array(fc.record({ statements: fc.constantFrom(['a1', 'b2'], ['b2', 'c3'], ['a1', 'b2', 'c3']), iterations: fc.integer({ min: 5, max: 40 }) }), { maxLength: 2 }),
  })
  .map(({ namespace, slowQueries, nPlusOne, loops, ...request }) => ({
    ...request,
    // A loop's suggestion and call site follow from its statements, as a finding's from its fingerprint.
    loops: loops.map(({ statements, iterations }) => ({
      iterations,
      statements: statements.map((fingerprint) => ({ kind: 'db' as const, fingerprint, query: `SELECT * FROM t_${fingerprint} WHERE id = $1` })),
      durationMs: iterations,
      suggestion: `one query for ${statements.join(' and ')}`,
      callSite: { file: `src/${statements[0]}.js`, line: 3, function: 'loop' },
    })),
    dbDurationMs: 0,
    slowQueryCount: slowQueries.length,
    slowQueries: slowQueries.map(({ fingerprint, durationMs }) => ({ fingerprint, query: `SELECT * FROM t_${fingerprint} WHERE id = $1`, summary: `SELECT t_${fingerprint}`, durationMs })),
    nPlusOne: nPlusOne.map(({ fingerprint, repeats, inLoop }) => ({
      kind: 'db' as const,
      fingerprint,
      // One place in the app issues a given statement: its call site follows from the fingerprint.
      callSite: { file: `src/${fingerprint}.js`, line: FINGERPRINTS.indexOf(fingerprint) + 10, function: 'load' },
      inLoop,
      query: `SELECT * FROM t_${fingerprint} WHERE id = $1`,
      summary: `SELECT t_${fingerprint}`,
      repeats,
      durationMs: repeats,
      suggestion: `WHERE t_${fingerprint}.id = ANY($1)`,
    })),
    cacheLookups: request.cacheHits + request.cacheMisses > 0 ? [{ namespace, hits: request.cacheHits, misses: request.cacheMisses }] : [],
  }));

/** A state as it arrives from another process: through JSON, as over the IPC channel. */
function overIpc(state: StatisticsState): StatisticsState {
  return JSON.parse(JSON.stringify(state)) as StatisticsState;
}

function withoutSince<T extends { since: string }>(snapshot: T): Omit<T, 'since'> {
  const { since: _since, ...rest } = snapshot;
  return rest;
}

function request(overrides: Partial<RequestSummary>): RequestSummary {
  return {
    route: '/meetings/{id}',
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
  } as RequestSummary;
}

describe('merging StatisticsStore states (a cluster primary adding up its workers)', () => {
  it('gives exactly the snapshot of one store fed every request, percentiles included', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(summaryArbitrary, fc.integer({ min: 0, max: 3 })), { maxLength: 120 }), (requests) => {
        const single = new StatisticsStore({ service: 's' });
        const workers = [0, 1, 2, 3].map(() => new StatisticsStore({ service: 's' }));
        for (const [summary, worker] of requests) {
          single.record(summary);
          workers[worker]!.record(summary);
        }
        const primary = new StatisticsStore({ service: 's' });
        for (const worker of workers) primary.merge(overIpc(worker.state()));
        expect(withoutSince(primary.snapshot())).toEqual(withoutSince(single.snapshot()));
      }),
      { numRuns: 150 },
    );
  });

  it('adds up the same endpoint from two workers: counts, extremes, and percentiles of the union', () => {
    const fast = new StatisticsStore({ service: 's' });
    const slow = new StatisticsStore({ service: 's' });
    for (let i = 0; i < 90; i += 1) fast.record(request({ durationMs: 10, queryCount: 2 }));
    for (let i = 0; i < 10; i += 1) slow.record(request({ durationMs: 1000, queryCount: 12 }));
    const primary = new StatisticsStore({ service: 's' });
    primary.merge(overIpc(fast.state()));
    primary.merge(overIpc(slow.state()));
    expect(primary.snapshot()).toMatchObject({
      requests: 100,
      endpoints: [{ requests: 100, minMs: 10, maxMs: 1000, p50Ms: 10, p95Ms: 1000, dbQueriesAvg: 3, dbQueriesMax: 12 }],
    });
  });

  it('keeps the route cap over the union: routes past it count under the overflow endpoint', () => {
    const first = new StatisticsStore({ service: 's', maxRoutes: 2 });
    const second = new StatisticsStore({ service: 's', maxRoutes: 2 });
    first.record(request({ route: '/a' }));
    first.record(request({ route: '/b' }));
    second.record(request({ route: '/c' }));
    second.record(request({ route: '/d' }));
    const primary = new StatisticsStore({ service: 's', maxRoutes: 2 });
    primary.merge(first.state());
    primary.merge(second.state());
    const endpoints = primary.snapshot().endpoints.map(({ method, route, requests }) => ({ method, route, requests }));
    expect(endpoints).toEqual([
      { ...OVERFLOW_ENDPOINT, requests: 2 },
      { method: 'GET', route: '/a', requests: 1 },
      { method: 'GET', route: '/b', requests: 1 },
    ]);
    expect(primary.snapshot().requests).toBe(4);
  });

  it('adds up loops from several workers, and merges a worker that predates merged loops as having none', () => {
    const loop = (iterations: number) => ({
      iterations,
      statements: ['a1', 'b2'].map((fingerprint) => ({ kind: 'db' as const, fingerprint, query: `SELECT ${fingerprint}` })),
      durationMs: iterations,
      suggestion: 'one query for both',
      callSite: { file: 'src/loop.js', line: 3, function: 'loop' },
    });
    const first = new StatisticsStore({ service: 's' });
    const second = new StatisticsStore({ service: 's' });
    first.record(request({ loops: [loop(6)] }));
    second.record(request({ loops: [loop(9)] }));
    second.record(request({ loops: [loop(7)] }));
    const older = overIpc(new StatisticsStore({ service: 's' }).state());
    delete older.loops;
    const primary = new StatisticsStore({ service: 's' });
    for (const state of [first.state(), second.state(), older]) primary.merge(overIpc(state));
    expect(primary.snapshot().loops).toEqual([
      {
        route: '/meetings/{id}',
        iterations: 9,
        occurrences: 3,
        statements: [
          { fingerprint: 'a1', query: 'SELECT a1' },
          { fingerprint: 'b2', query: 'SELECT b2' },
        ],
        suggestion: 'one query for both',
        callSite: { file: 'src/loop.js', line: 3, function: 'loop' },
      },
    ]);
  });

  it('starts `since` at the earliest of the merged stores', () => {
    const primary = new StatisticsStore({ service: 's', startedAt: new Date('2026-01-02T00:00:00Z') });
    primary.merge(new StatisticsStore({ service: 's', startedAt: new Date('2026-01-01T00:00:00Z') }).state());
    primary.merge(new StatisticsStore({ service: 's', startedAt: new Date('2026-01-03T00:00:00Z') }).state());
    expect(primary.snapshot().since).toBe('2026-01-01T00:00:00.000Z');
  });

  it('leaves the extremes alone when a worker sends an endpoint without requests (its minimum, Infinity, arrives as null)', () => {
    const primary = new StatisticsStore({ service: 's' });
    primary.record(request({ durationMs: 10 }));
    const idle = new EndpointAccumulator('GET', '/meetings/{id}', 'GET /meetings/{id}').state();
    primary.merge(overIpc({ since: new Date(0).toISOString(), requests: 0, endpoints: [idle], cache: { hits: 0, misses: 0, namespaces: [] }, slowQueries: [], nPlusOne: [] }));
    expect(primary.snapshot().endpoints).toEqual([expect.objectContaining({ requests: 1, minMs: 10, maxMs: 10, avgMs: 10 })]);
  });

  it('lists no endpoint that only a worker without requests on it sent (no route with an average of nothing)', () => {
    const primary = new StatisticsStore({ service: 's' });
    primary.record(request({ durationMs: 10 }));
    const idle = new EndpointAccumulator('GET', '/reports', 'GET /reports').state();
    primary.merge(overIpc({ since: new Date(0).toISOString(), requests: 0, endpoints: [idle], cache: { hits: 0, misses: 0, namespaces: [] }, slowQueries: [], nPlusOne: [] }));
    expect(primary.snapshot().endpoints.map((endpoint) => endpoint.route)).not.toContain('/reports');
    expect(primary.snapshot().endpoints).toHaveLength(1);
  });

  describe('N+1 findings', () => {
    const first = { file: 'src/first.js', line: 1, function: 'first' };
    const second = { file: 'src/second.js', line: 2, function: 'second' };
    function finding(overrides: Partial<NPlusOneSample>): NPlusOneSample {
      return { kind: 'db', fingerprint: 'f1', query: 'SELECT * FROM t WHERE id = $1', summary: 'SELECT t', repeats: 6, durationMs: 6, suggestion: 'WHERE t.id = ANY($1)', callSite: null, inLoop: false, ...overrides };
    }
    /** A worker that found each of `findings` in a request of its own. */
    function workerState(...findings: NPlusOneSample[]): StatisticsState {
      const worker = new StatisticsStore({ service: 's' });
      for (const found of findings) worker.record(request({ nPlusOne: [found] }));
      return overIpc(worker.state());
    }

    it('keeps the kind of each finding, apart from a finding of another kind with the same fingerprint', () => {
      const primary = new StatisticsStore({ service: 's' });
      primary.merge(workerState(finding({ kind: 'http' }), finding({ kind: 'db' })));
      primary.merge(workerState(finding({ kind: 'http' })));
      expect(primary.snapshot().nPlusOne.map(({ kind, occurrences }) => ({ kind, occurrences }))).toEqual([
        { kind: 'http', occurrences: 2 },
        { kind: 'db', occurrences: 1 },
      ]);
    });

    it('counts a finding from a worker that predates kinds as a database finding', () => {
      const old = workerState(finding({}));
      delete old.nPlusOne[0]!.kind;
      const primary = new StatisticsStore({ service: 's' });
      primary.merge(old);
      primary.merge(workerState(finding({ kind: 'db' })));
      expect(primary.snapshot().nPlusOne).toEqual([expect.objectContaining({ kind: 'db', occurrences: 2 })]);
    });

    it('keeps the suggestion and call site of the first worker merged', () => {
      const primary = new StatisticsStore({ service: 's' });
      primary.merge(workerState(finding({ suggestion: 'first', callSite: first })));
      primary.merge(workerState(finding({ suggestion: 'second', callSite: second })));
      expect(primary.snapshot().nPlusOne).toEqual([expect.objectContaining({ occurrences: 2, suggestion: 'first', callSite: first })]);
    });

    it('keeps a call site when later workers send none, and reports none where no worker saw one', () => {
      const withoutCallSite = workerState(finding({}), finding({ fingerprint: 'f2' }));
      const older = workerState(finding({}), finding({ fingerprint: 'f2' }));
      for (const state of older.nPlusOne) delete state.callSite;
      const primary = new StatisticsStore({ service: 's' });
      primary.merge(workerState(finding({ callSite: first })));
      primary.merge(withoutCallSite);
      primary.merge(older);
      expect(primary.snapshot().nPlusOne.map(({ fingerprint, callSite }) => ({ fingerprint, callSite }))).toEqual([
        { fingerprint: 'f1', callSite: first },
        { fingerprint: 'f2', callSite: null },
      ]);
    });
  });

  it('adds nothing at all when a latency histogram does not decode, rather than half a worker', () => {
    const worker = new StatisticsStore({ service: 's' });
    worker.record(request({ route: '/a' }));
    worker.record(request({ route: '/b' }));
    const state = worker.state();
    state.endpoints[1]!.latency = 'not a histogram';
    const primary = new StatisticsStore({ service: 's' });
    primary.record(request({ route: '/a' }));
    const before = primary.snapshot();
    expect(() => primary.merge(state)).toThrow();
    expect(primary.snapshot()).toEqual(before);
  });
});
