/**
 * The PromQL behind the fleet report: one query per section, each summed `by` the report's keys, so
 * their number does not depend on how many routes or instances there are. All are instant queries
 * evaluated at the window's end.
 */
export interface FleetQueries {
  /** Every target under the selector with its last `up` in the window: 0 = its last scrape failed. */
  targets: string;
  /** Per instance with spanlens metrics, how many of its series were counting before the window began. */
  instances: string;
  /** Request duration buckets per endpoint, summed over instances (requests, percentiles). */
  requestBuckets: string;
  /** Seconds spent in requests per endpoint (average, order by total time). */
  requestSeconds: string;
  /** Database queries per request per endpoint. */
  queriesPerRequest: string;
  /** Slow requests per endpoint. */
  slowRequests: string;
  /** N+1 findings per route and query summary. */
  nPlusOne: string;
  /** Slow statements per query summary. */
  slowQueries: string;
  /** Cache operations per namespace and result. */
  cache: string;
}

const ENDPOINT = 'http_request_method, http_route';

/**
 * The queries for the label matchers `selector` (`{job="api"}`, or `''`) over the window `range` (a
 * PromQL duration).
 */
export function fleetQueries(selector: string, range: string): FleetQueries {
  const series = (metric: string): string => `${metric}${selector}`;

  // A series with samples in the equally long span before the window, or that reset inside it (its
  // process restarted), holds counts from before the window.
  const countingBefore = (metric: string): string =>
    `(present_over_time(${series(metric)}[${range}] offset ${range}) or resets(${series(metric)}[${range}]) > 0)`;

  // Each counter series' total in the window. One that started inside it (its process, or its label
  // set, is new) counted from zero, so its last value is the exact total; for the others `increase()`,
  // which extrapolates to the window's edges.
  const windowTotal = (metric: string): string =>
    `(last_over_time(${series(metric)}[${range}]) unless ${countingBefore(metric)}) or increase(${series(metric)}[${range}])`;

  const sumBy = (labels: string, metric: string): string => `sum by (${labels}) (${windowTotal(metric)})`;

  // 1 for each series counting before the window, 0 for each that started inside it.
  const requestSeries = 'spanlens_request_db_queries_count';
  const present = `last_over_time(${series(requestSeries)}[${range}])`;
  return {
    targets: `last_over_time(${series('up')}[${range}])`,
    instances: `sum by (job, instance) ((0 * ${present} + 1) and ${countingBefore(requestSeries)} or 0 * ${present})`,
    requestBuckets: sumBy(`${ENDPOINT}, le`, 'http_server_request_duration_bucket'),
    requestSeconds: sumBy(ENDPOINT, 'http_server_request_duration_sum'),
    queriesPerRequest: `${sumBy(ENDPOINT, 'spanlens_request_db_queries_sum')} / ${sumBy(ENDPOINT, 'spanlens_request_db_queries_count')}`,
    slowRequests: sumBy(ENDPOINT, 'spanlens_request_slow_total'),
    nPlusOne: sumBy('http_route, db_query_summary', 'spanlens_n_plus_one_total'),
    slowQueries: sumBy('db_query_summary', 'spanlens_db_slow_queries_total'),
    cache: sumBy('spanlens_cache_namespace, spanlens_cache_result', 'spanlens_cache_operations_total'),
  };
}
