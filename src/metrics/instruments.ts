import type { Counter, Histogram, MeterProvider } from '@opentelemetry/api';
import { VERSION } from '../version.js';

/** The metric instruments spanlens adds to upstream's; names are part of the public contract. */
export interface SpanlensInstruments {
  requestDbQueries: Histogram;
  requestDbDuration: Counter;
  slowRequests: Counter;
  slowQueries: Counter;
  nPlusOne: Counter;
  cacheOperations: Counter;
}

const QUERIES_PER_REQUEST_BUCKETS = [0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000];

export function createInstruments(meterProvider: MeterProvider): SpanlensInstruments {
  const meter = meterProvider.getMeter('spanlens', VERSION);
  return {
    requestDbQueries: meter.createHistogram('spanlens.request.db_queries', {
      description: 'Database queries run by one request',
      unit: '{query}',
      advice: { explicitBucketBoundaries: QUERIES_PER_REQUEST_BUCKETS },
    }),
    requestDbDuration: meter.createCounter('spanlens.request.db_duration', {
      description: 'Database time of requests: wall-clock time with at least one query running, concurrent queries once',
      unit: 's',
    }),
    slowRequests: meter.createCounter('spanlens.request.slow', {
      description: 'Requests at or above SPANLENS_SLOW_REQUEST_MS',
      unit: '{request}',
    }),
    slowQueries: meter.createCounter('spanlens.db.slow_queries', {
      description: 'Database operations at or above SPANLENS_SLOW_QUERY_MS',
      unit: '{query}',
    }),
    nPlusOne: meter.createCounter('spanlens.n_plus_one', {
      description: 'N+1 patterns found in requests: repeated queries, cache operations or outgoing HTTP calls',
      unit: '{finding}',
    }),
    cacheOperations: meter.createCounter('spanlens.cache.operations', {
      description: 'Cache operations by result',
      unit: '{operation}',
    }),
  };
}
