import type { TraceSearch } from './jaeger-search.ts';

/**
 * The drill-down's Jaeger searches. Jaeger matches each tag exactly, as a string, against the
 * attributes of a single span (its own, its resource's, its events'), so every search names
 * attributes of the request's root span, which carries them all.
 */

/** Set by the http instrumentation from spanlens' route label: the same value as the metrics' `http_route`. */
export const ROUTE_ATTRIBUTE = 'http.route';
/** `true` on the root span of a request at or above SPANLENS_SLOW_REQUEST_MS. */
export const SLOW_ATTRIBUTE = 'spanlens.slow';
/**
 * `true` on the root span of a request with at least one N+1 finding. Jaeger cannot search
 * `spanlens.n_plus_one.count > 0` (an exact match only), nor event names in every storage.
 */
export const N_PLUS_ONE_FOUND_ATTRIBUTE = 'spanlens.n_plus_one.found';

const TRACES_PER_SEARCH = 20;

export const ROUTE_TRACES: TraceSearch = {
  service: '$trace_service',
  tags: { [ROUTE_ATTRIBUTE]: '$route' },
  limit: TRACES_PER_SEARCH,
};

export const ROUTE_N_PLUS_ONE_TRACES: TraceSearch = {
  service: '$trace_service',
  tags: { [ROUTE_ATTRIBUTE]: '$route', [N_PLUS_ONE_FOUND_ATTRIBUTE]: 'true' },
  limit: TRACES_PER_SEARCH,
};

export const ROUTE_SLOW_TRACES: TraceSearch = {
  service: '$trace_service',
  tags: { [ROUTE_ATTRIBUTE]: '$route', [SLOW_ATTRIBUTE]: 'true' },
  limit: TRACES_PER_SEARCH,
};
