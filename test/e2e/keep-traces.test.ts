import type { ReceivedSpan } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';
import { startTracedApp } from './helpers/traced-app';
import type { EndpointStatistics } from '../../src/stats/statistics';

/**
 * SPANLENS_KEEP_TRACES end to end: an Express app on real PostgreSQL, preloaded with spanlens, exports
 * OTLP/JSON to a receiver. What the receiver gets with the sampler dropping every trace is compared with
 * what it gets when every trace is sampled.
 */

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());

const ROUTES = {
  plain: '/meetings/1',
  nPlusOne: '/meetings/1/attendees-one-by-one',
  slow: '/report',
  failed: '/fail',
} as const;
type Kind = keyof typeof ROUTES;

// The fields of /stats this test compares, typed as spanlens declares them.
type Endpoint = Pick<EndpointStatistics, 'method' | 'route' | 'requests' | 'dbQueriesAvg' | 'dbQueriesMax' | 'slow' | 'nPlusOne'>;

interface Run {
  /** The spans of each kind's request, by kind (the plain page is requested twice: both traces). */
  traces: Map<Kind, ReceivedSpan[][]>;
  spans: ReceivedSpan[];
  endpoints: Endpoint[];
}

/** What /stats must say after a run, whatever the sampler and SPANLENS_KEEP_TRACES. */
const EXPECTED_ENDPOINTS = [
  // The warm-up and the two plain pages; the warm-up may be slow, the app's first request.
  { method: 'GET', route: '/meetings/:id', requests: 3, dbQueriesAvg: 3, dbQueriesMax: 3, slow: expect.any(Number), nPlusOne: 0 },
  { method: 'GET', route: '/meetings/:id/attendees-one-by-one', requests: 1, dbQueriesAvg: 6, dbQueriesMax: 6, slow: 0, nPlusOne: 1 },
  { method: 'GET', route: '/report', requests: 1, dbQueriesAvg: 1, dbQueriesMax: 1, slow: 1, nPlusOne: 0 },
  { method: 'GET', route: '/fail', requests: 1, dbQueriesAvg: 1, dbQueriesMax: 1, slow: 0, nPlusOne: 0 },
].sort((a, b) => a.route.localeCompare(b.route));

/**
 * After a warm-up page (the first request opens connections and may be slow), requests each kind once
 * (the plain page twice), reads /stats, stops the app (which flushes its spans).
 */
async function runWith(env: Record<string, string>): Promise<Run> {
  const traced = await startTracedApp(schema, { app: 'keep-traces-app.cjs', env: { SPANLENS_SLOW_REQUEST_MS: '500', ...env } });
  try {
    await fetch(traced.app.url('/meetings/2'));
    for (const kind of ['plain', 'nPlusOne', 'plain', 'slow', 'failed'] as Kind[]) await fetch(traced.app.url(ROUTES[kind]));
    const stats = (await (await fetch(`http://127.0.0.1:${traced.metricsPort}/stats`)).json()) as { endpoints: Endpoint[] };
    await traced.app.stop();
    const spans = [...traced.receiver.spans];
    const byTrace = new Map<string, ReceivedSpan[]>();
    for (const span of spans) byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
    const traces = new Map<Kind, ReceivedSpan[][]>();
    for (const trace of byTrace.values()) {
      const root = trace.find((span) => span.parentSpanId === undefined);
      const kind = (Object.keys(ROUTES) as Kind[]).find((candidate) => ROUTES[candidate] === root?.attributes['url.path']);
      // The warm-up's trace (kept when it was slow) is none of the kinds compared.
      if (kind === undefined) continue;
      traces.set(kind, [...(traces.get(kind) ?? []), trace]);
    }
    const endpoints = stats.endpoints.map(({ method, route, requests, dbQueriesAvg, dbQueriesMax, slow, nPlusOne }) => ({
      method,
      route,
      requests,
      dbQueriesAvg,
      dbQueriesMax,
      slow,
      nPlusOne,
    }));
    return { traces, spans, endpoints: endpoints.sort((a, b) => a.route.localeCompare(b.route)) };
  } finally {
    await traced.stop();
  }
}

/** A trace as a sorted list of `parent name > span name`: what it holds and how it hangs together. */
function shapeOf(trace: ReceivedSpan[]): string[] {
  const names = new Map(trace.map((span) => [span.spanId, span.name]));
  return trace.map((span) => `${span.parentSpanId === undefined ? '(root)' : (names.get(span.parentSpanId) ?? '(missing)')} > ${span.name}`).sort();
}

let everything: Run;
beforeAll(async () => {
  everything = await runWith({ OTEL_TRACES_SAMPLER: 'always_on' });
  // The baseline must hold what the tests below compare with.
  expect([...everything.traces.keys()].sort()).toEqual(['failed', 'nPlusOne', 'plain', 'slow']);
  expect(everything.endpoints).toEqual(EXPECTED_ENDPOINTS);
});

describe('SPANLENS_KEEP_TRACES with OTEL_TRACES_SAMPLER=always_off', () => {
  let dropped: Run;
  beforeAll(async () => {
    dropped = await runWith({ OTEL_TRACES_SAMPLER: 'always_off' });
  });

  it('exports the N+1, slow and failed requests’ traces complete, as when every trace is sampled', () => {
    for (const kind of ['nPlusOne', 'slow', 'failed'] as Kind[]) {
      const [kept] = dropped.traces.get(kind) ?? [];
      expect({ kind, shape: kept && shapeOf(kept) }).toEqual({ kind, shape: shapeOf(everything.traces.get(kind)![0]!) });
    }
    const nPlusOne = dropped.traces.get('nPlusOne')![0]!;
    expect(nPlusOne.filter((span) => span.name.startsWith('pg.query'))).toHaveLength(6);
    expect(shapeOf(nPlusOne)).not.toContain(expect.stringContaining('(missing)'));
  });

  it('exports nothing of the plain requests', () => {
    expect(dropped.traces.get('plain')).toBeUndefined();
    expect(dropped.spans.filter((span) => span.attributes['url.path'] === ROUTES.plain)).toEqual([]);
  });

  it('exports kept spans under their real ids, flagged sampled', () => {
    const root = dropped.traces.get('nPlusOne')![0]!.find((span) => span.parentSpanId === undefined)!;
    expect(root.attributes['spanlens.n_plus_one.count']).toBe(1);
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(dropped.spans.map((span) => span.spanId)).size).toBe(dropped.spans.length);
    // W3C trace flags in the low byte; 0x100 says whether the parent is remote is known.
    expect(new Set(dropped.spans.map((span) => span.flags))).toEqual(new Set([0x101]));
    expect(new Set(everything.spans.map((span) => span.flags))).toEqual(new Set([0x101]));
  });

  it('leaves /stats exactly what it is when every trace is sampled', () => {
    expect(dropped.endpoints).toEqual(EXPECTED_ENDPOINTS);
  });
});

describe('SPANLENS_KEEP_TRACES=none', () => {
  it('exports nothing when the sampler drops every trace, and /stats stays exact', async () => {
    const none = await runWith({ OTEL_TRACES_SAMPLER: 'always_off', SPANLENS_KEEP_TRACES: 'none' });
    expect(none.spans).toEqual([]);
    expect(none.endpoints).toEqual(EXPECTED_ENDPOINTS);
  });
});

describe('SPANLENS_KEEP_TRACES=slow', () => {
  it('keeps only the slow request’s trace', async () => {
    const slowOnly = await runWith({ OTEL_TRACES_SAMPLER: 'always_off', SPANLENS_KEEP_TRACES: 'slow' });
    expect([...slowOnly.traces.keys()]).toEqual(['slow']);
    expect(slowOnly.endpoints).toEqual(EXPECTED_ENDPOINTS);
    expect(shapeOf(slowOnly.traces.get('slow')![0]!)).toEqual(shapeOf(everything.traces.get('slow')![0]!));
  });
});
