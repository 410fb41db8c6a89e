import type { Span } from '@opentelemetry/sdk-trace';
import type { DetectionSpan } from '../../../src/detection';
import {
  MAX_CACHE_NAMESPACES_PER_REQUEST,
  MAX_DETECTION_SPANS_PER_REQUEST,
  MAX_SLOW_QUERIES_PER_REQUEST,
  RequestState,
} from '../../../src/processors/request-state';

// The root is only held, never read, by the state.
const newRequest = (): RequestState => new RequestState({} as Span, 0);

function detectionSpan(kind: DetectionSpan['kind'], startMs: number, endMs: number): DetectionSpan {
  return { kind, spanId: `${kind}${startMs}`, parentSpanId: 'root', startMs, endMs, fingerprint: kind, normalized: kind, summary: kind };
}

const slowQuery = (n: number) => ({ fingerprint: `f${n}`, query: 'SELECT ?', summary: 'SELECT t', durationMs: 600 });

describe("a request's state while it runs", () => {
  describe('cache lookups', () => {
    it('adds hits and misses to the totals and to their namespace, without a namespace under ""', () => {
      const request = newRequest();
      request.addCacheLookups('sessions', 1, 1);
      request.addCacheLookups('sessions', 2, 0);
      request.addCacheLookups(undefined, 0, 1);
      expect([request.cacheHits, request.cacheMisses]).toEqual([3, 2]);
      expect([...request.cacheLookups]).toEqual([
        ['sessions', { hits: 3, misses: 1 }],
        ['', { hits: 0, misses: 1 }],
      ]);
    });

    it('lists no namespace for operations that looked nothing up', () => {
      const request = newRequest();
      request.addCacheLookups('sessions', 0, 0);
      expect(request.cacheLookups.size).toBe(0);
    });

    it(`itemizes at most ${MAX_CACHE_NAMESPACES_PER_REQUEST} namespaces, still counting the others in the totals`, () => {
      const request = newRequest();
      for (let n = 0; n <= MAX_CACHE_NAMESPACES_PER_REQUEST; n++) request.addCacheLookups(`ns${n}`, 1, 0);
      expect(request.cacheLookups.size).toBe(MAX_CACHE_NAMESPACES_PER_REQUEST);
      expect(request.cacheLookups.has(`ns${MAX_CACHE_NAMESPACES_PER_REQUEST}`)).toBe(false);
      expect(request.cacheHits).toBe(MAX_CACHE_NAMESPACES_PER_REQUEST + 1);
      request.addCacheLookups('ns0', 1, 0);
      expect(request.cacheLookups.get('ns0')).toEqual({ hits: 2, misses: 0 });
    });
  });

  describe('database time', () => {
    it('merges the kept query spans, leaves cache and HTTP spans out, and adds queries not kept as a sum', () => {
      const request = newRequest();
      request.addDetectionSpan(detectionSpan('db', 0, 10));
      request.addDetectionSpan(detectionSpan('db', 5, 15));
      request.addDetectionSpan(detectionSpan('cache', 20, 40));
      request.addDetectionSpan(detectionSpan('http', 50, 90));
      request.addQuery(10, undefined, true);
      request.addQuery(10, undefined, true);
      request.addQuery(7, undefined, false);
      expect(request.dbDurationMs).toBe(15 + 7);
      expect(request.queryCount).toBe(3);
    });
  });

  describe('slow queries', () => {
    it(`counts every slow statement and lists the first ${MAX_SLOW_QUERIES_PER_REQUEST}`, () => {
      const request = newRequest();
      for (let n = 0; n <= MAX_SLOW_QUERIES_PER_REQUEST; n++) request.addQuery(600, slowQuery(n), true);
      request.addQuery(1, undefined, true);
      expect(request.slowQueryCount).toBe(MAX_SLOW_QUERIES_PER_REQUEST + 1);
      expect(request.slowQueries).toHaveLength(MAX_SLOW_QUERIES_PER_REQUEST);
      expect(request.slowQueries.at(-1)?.fingerprint).toBe(`f${MAX_SLOW_QUERIES_PER_REQUEST - 1}`);
    });
  });

  describe('spans kept for N+1 detection', () => {
    it(`keeps ${MAX_DETECTION_SPANS_PER_REQUEST} and refuses the next`, () => {
      const request = newRequest();
      for (let n = 0; n < MAX_DETECTION_SPANS_PER_REQUEST; n++) expect(request.addDetectionSpan(detectionSpan('db', n, n + 1))).toBe(true);
      expect(request.addDetectionSpan(detectionSpan('db', 0, 1))).toBe(false);
      expect(request.detectionSpans).toHaveLength(MAX_DETECTION_SPANS_PER_REQUEST);
    });

    it('starts with none', () => {
      expect(newRequest().detectionSpans).toEqual([]);
    });
  });

  it('knows no call site before any was watched', () => {
    expect(newRequest().callSiteOf('root', 'f1')).toBeNull();
  });
});
