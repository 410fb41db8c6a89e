/**
 * Names of the attributes spanlens sets on each request's root span (see the public contract).
 * Outside the process they are matched by name: the bundled collector's tail-sampling policies key
 * on `slow` and `nPlusOneCount`, so a rename here must reach collector/otelcol-config.yaml too.
 */
export const REQUEST_ATTRIBUTES = {
  dbQueryCount: 'spanlens.db.query_count',
  dbDurationMs: 'spanlens.db.duration_ms',
  dbSlowQueryCount: 'spanlens.db.slow_query_count',
  cacheHits: 'spanlens.cache.hits',
  cacheMisses: 'spanlens.cache.misses',
  slow: 'spanlens.slow',
  nPlusOneCount: 'spanlens.n_plus_one.count',
  // Trace backends search by exact tag value (Jaeger): `count > 0` cannot be asked, `found = true` can.
  nPlusOneFound: 'spanlens.n_plus_one.found',
  httpClientCallCount: 'spanlens.http_client.call_count',
} as const;
