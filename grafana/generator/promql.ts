/**
 * Every PromQL expression of the spanlens dashboards, by name. The tests parse each of them, check the
 * metric names against the code and the recording rules, and run them on a real Prometheus.
 *
 * Conventions: a service is a scrape `job`; template variables appear in selectors only as
 * `job=~"$service"`, `instance=~"$instance"`, `http_route=~"$route"`; range windows only as
 * `$__rate_interval`. Series recorded by prometheus/rules/spanlens-recording.yml (fixed 5m windows)
 * serve the heavy panels: latency quantiles, queries per request and cache hit rates.
 */

const SERVICE = 'job=~"$service"';
const SERVICE_INSTANCE = 'job=~"$service", instance=~"$instance"';
const ROUTES = 'job=~"$service", instance=~"$instance", http_route=~"$route"';
const WINDOW = '[$__rate_interval]';

// Template variables: Grafana's label_values(<series selector>, <label>) over a PromQL selector.
export const SERVICE_VALUES = 'label_values(spanlens_request_db_queries_count, job)';
export const INSTANCE_VALUES = `label_values(spanlens_request_db_queries_count{${SERVICE}}, instance)`;
export const ROUTE_VALUES = `label_values(http_server_request_duration_count{${SERVICE_INSTANCE}}, http_route)`;
/** The `service.name` Jaeger knows the selected service by (the scrape job may be named otherwise). */
export const TRACE_SERVICE_VALUES = `label_values(target_info{${SERVICE_INSTANCE}}, service_name)`;

// Requests.
export const REQUEST_RATE_BY_ROUTE = `sum by (http_route) (rate(http_server_request_duration_count{${ROUTES}}${WINDOW}))`;

/**
 * Failed requests (a 5xx status or an `error_type`) over all requests. `or` between the raw series
 * counts a series carrying both once; the `* 0` term shows 0 % rather than no data while nothing fails.
 */
export const ERROR_RATIO_BY_ROUTE = `(
  sum by (http_route) (
    rate(http_server_request_duration_count{${ROUTES}, http_response_status_code=~"5.."}${WINDOW})
    or
    rate(http_server_request_duration_count{${ROUTES}, error_type!=""}${WINDOW})
  )
  or
  sum by (http_route) (rate(http_server_request_duration_count{${ROUTES}}${WINDOW})) * 0
)
/
sum by (http_route) (rate(http_server_request_duration_count{${ROUTES}}${WINDOW}))`;

function latencyQuantileByRoute(quantile: number): string {
  return `histogram_quantile(${quantile}, sum by (http_route, le) (job_instance_route_le:http_server_request_duration_bucket:rate5m{${ROUTES}}))`;
}
export const LATENCY_P50_BY_ROUTE = latencyQuantileByRoute(0.5);
export const LATENCY_P95_BY_ROUTE = latencyQuantileByRoute(0.95);
export const LATENCY_P99_BY_ROUTE = latencyQuantileByRoute(0.99);

export const SLOW_REQUEST_RATE_BY_ROUTE = `sum by (http_route) (rate(spanlens_request_slow_total{${ROUTES}}${WINDOW}))`;

// Database.
export const QUERIES_PER_REQUEST_AVG_BY_ROUTE = `avg by (http_route) (job_instance_route:spanlens_request_db_queries:avg_5m{${ROUTES}})`;
export const QUERIES_PER_REQUEST_P95_BY_ROUTE = `histogram_quantile(0.95, sum by (http_route, le) (rate(spanlens_request_db_queries_bucket{${ROUTES}}${WINDOW})))`;

/** Seconds with a query running (concurrent queries once) per second spent serving the route's requests. */
export const DB_TIME_SHARE_BY_ROUTE = `sum by (http_route) (rate(spanlens_request_db_duration_total{${ROUTES}}${WINDOW}))
/
sum by (http_route) (rate(http_server_request_duration_sum{${ROUTES}}${WINDOW}))`;

export const SLOW_QUERIES_PER_MINUTE_BY_SUMMARY = `sum by (db_query_summary) (rate(spanlens_db_slow_queries_total{${ROUTES}}${WINDOW})) * 60`;
export const N_PLUS_ONE_PER_MINUTE_BY_ROUTE_AND_SUMMARY = `sum by (http_route, db_query_summary) (rate(spanlens_n_plus_one_total{${ROUTES}}${WINDOW})) * 60`;
export const N_PLUS_ONE_PER_MINUTE_BY_SUMMARY = `sum by (db_query_summary) (rate(spanlens_n_plus_one_total{${ROUTES}}${WINDOW})) * 60`;

// Cache: spanlens_cache_operations_total has no route label, and the recording rules keep hit rates per service.
export const CACHE_HIT_RATE = `job:spanlens_cache_hit_ratio:rate5m{${SERVICE}}`;
export const CACHE_HIT_RATE_BY_NAMESPACE = `job_namespace:spanlens_cache_hit_ratio:rate5m{${SERVICE}}`;
export const CACHE_OPERATION_RATE_BY_RESULT = `sum by (spanlens_cache_namespace, spanlens_cache_result) (rate(spanlens_cache_operations_total{${SERVICE_INSTANCE}}${WINDOW}))`;

// Top endpoints: one instant query per column, each by (job, http_route), merged into one row per endpoint.
export const TOP_ENDPOINTS_REQUEST_RATE = `sum by (job, http_route) (rate(http_server_request_duration_count{${ROUTES}}${WINDOW}))`;
export const TOP_ENDPOINTS_P95 = `max by (job, http_route) (job_route:http_server_request_duration:p95_5m{${SERVICE}, http_route=~"$route"})`;
export const TOP_ENDPOINTS_QUERIES_PER_REQUEST = `avg by (job, http_route) (job_instance_route:spanlens_request_db_queries:avg_5m{${ROUTES}})`;
export const TOP_ENDPOINTS_N_PLUS_ONE_PER_MINUTE = `sum by (job, http_route) (rate(spanlens_n_plus_one_total{${ROUTES}}${WINDOW})) * 60`;
/** The service's hit rate copied onto each of its routes (`group_left`), so that it joins as one more column. */
export const TOP_ENDPOINTS_SERVICE_CACHE_HIT_RATE = `sum by (job, http_route) (rate(http_server_request_duration_count{${ROUTES}}${WINDOW})) * 0
+ on (job) group_left ()
job:spanlens_cache_hit_ratio:rate5m{${SERVICE}}`;

// Endpoint drill-down (there `$route` is one route).
export const ENDPOINT_LATENCY_BUCKETS = `sum by (le) (rate(http_server_request_duration_bucket{${ROUTES}}${WINDOW}))`;
export const ENDPOINT_QUERIES_PER_REQUEST_BUCKETS = `sum by (le) (rate(spanlens_request_db_queries_bucket{${ROUTES}}${WINDOW}))`;
