// The PromQL behind the fleet report: two queries about the instances, then one per section, each
// summed `by` the report's keys, so their number and text do not depend on how many routes or instances
// there are. All are instant queries evaluated at the window's end. (Type aliases rather than
// interfaces: they are records of query texts.)

export type InstanceQueries = {
  /** Every target under the selector with its last `up` in the window: 0 = its last scrape failed. */
  targets: string;
  /** Every instance with a process in the window: 0 when its counters all started inside it, else 1. */
  instances: string;
};

export type SectionQueries = {
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
};

export type FleetQueries = InstanceQueries & SectionQueries;

/**
 * How the section queries count: `increase` when every instance was running before the window began;
 * `exact-where-possible` when some started inside it, whose counters (from zero) are then read as they
 * stand at the end of the window.
 */
export type Counting = 'increase' | 'exact-where-possible';

const ENDPOINT = 'http_request_method, http_route';

/** `selector` is label matchers in braces (`{job="api"}`) or `''`; `range` a PromQL duration. */
export function instanceQueries(selector: string, range: string): InstanceQueries {
  return {
    targets: `last_over_time(up${selector}[${range}])`,
    instances: `0 * (${startedInWindow(selector, range)}) or 1 + 0 * ${processesInWindow(selector, range)}`,
  };
}

export function sectionQueries(selector: string, range: string, counting: Counting): SectionQueries {
  const series = (metric: string): string => `${metric}${selector}[${range}]`;
  // Each counter series' total in the window: increase(), which Prometheus extrapolates to the window's
  // edges; for an instance whose process started inside the window, the counter's last value (it
  // counted from zero), which is exact.
  const windowTotal = (metric: string): string =>
    counting === 'increase'
      ? `increase(${series(metric)})`
      : `(last_over_time(${series(metric)}) and on (job, instance) (${startedInWindow(selector, range)})) or increase(${series(metric)})`;
  const sumBy = (labels: string, metric: string): string => `sum by (${labels}) (${windowTotal(metric)})`;
  return {
    requestBuckets: sumBy(`${ENDPOINT}, le`, 'http_server_request_duration_bucket'),
    requestSeconds: sumBy(ENDPOINT, 'http_server_request_duration_sum'),
    queriesPerRequest: `${sumBy(ENDPOINT, 'spanlens_request_db_queries_sum')} / ${sumBy(ENDPOINT, 'spanlens_request_db_queries_count')}`,
    slowRequests: sumBy(ENDPOINT, 'spanlens_request_slow_total'),
    nPlusOne: sumBy('http_route, db_query_summary', 'spanlens_n_plus_one_total'),
    slowQueries: sumBy('db_query_summary', 'spanlens_db_slow_queries_total'),
    cache: sumBy('spanlens_cache_namespace, spanlens_cache_result', 'spanlens_cache_operations_total'),
  };
}

// One `target_info` series per process: its resource labels (pid, service.instance.id) change on restart.
function processesInWindow(selector: string, range: string): string {
  return `count by (job, instance) (last_over_time(target_info${selector}[${range}]))`;
}

// Instances with exactly one process in the window and no sign of it before: started inside the window.
function startedInWindow(selector: string, range: string): string {
  return `${processesInWindow(selector, range)} == 1 unless on (job, instance) present_over_time(target_info${selector}[${range}] offset ${range})`;
}
