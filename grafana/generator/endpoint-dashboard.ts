import { DashboardBuilder, DashboardCursorSync, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { YAxisConfigBuilder, type PanelBuilder as HeatmapBuilder } from '@grafana/grafana-foundation-sdk/heatmap';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import type { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import * as units from '@grafana/grafana-foundation-sdk/units';
import { ENDPOINT_UID, OVERVIEW_UID, link, otherDashboardLink } from './dashboard-links.ts';
import { JAEGER } from './datasources.ts';
import { type TraceSearch, exploreSearchUrl, jaegerSearchTarget } from './jaeger-search.ts';
import { bucketHeatmap, timeseries } from './panel-defaults.ts';
import { bucketsTarget, seriesTarget } from './prometheus-targets.ts';
import * as promql from './promql.ts';
import {
  N_PLUS_ONE_FOUND_ATTRIBUTE,
  ROUTE_N_PLUS_ONE_TRACES,
  ROUTE_SLOW_TRACES,
  ROUTE_TRACES,
  SLOW_ATTRIBUTE,
} from './trace-searches.ts';
import { datasourceVariable, instanceVariable, serviceVariable, singleRouteVariable, traceServiceVariable } from './variables.ts';

const PER_MINUTE = 'suffix:/min';

export function routeRequestRatePanel(): TimeseriesBuilder {
  return timeseries('Request rate', 'How many requests per second the route serves.')
    .unit(units.RequestsPerSecond)
    .withTarget(seriesTarget('A', promql.REQUEST_RATE_BY_ROUTE, '{{http_route}}'));
}

export function routeLatencyPanel(): TimeseriesBuilder {
  return timeseries(
    'Latency p50 / p95 / p99',
    'How long the route\'s requests take: median, 95th and 99th percentile over 5 minutes (recording rule job_instance_route_le:http_server_request_duration_bucket:rate5m).',
  )
    .unit(units.Seconds)
    .withTarget(seriesTarget('A', promql.LATENCY_P50_BY_ROUTE, 'p50'))
    .withTarget(seriesTarget('B', promql.LATENCY_P95_BY_ROUTE, 'p95'))
    .withTarget(seriesTarget('C', promql.LATENCY_P99_BY_ROUTE, 'p99'));
}

export function latencyHeatmapPanel(): HeatmapBuilder {
  return bucketHeatmap(
    'Latency distribution',
    'How the route\'s response times spread: requests per second in each bucket of the request duration histogram. A second band higher up is a slower path: open its traces below.',
  )
    .yAxis(new YAxisConfigBuilder().unit(units.Seconds))
    .withTarget(bucketsTarget('A', promql.ENDPOINT_LATENCY_BUCKETS));
}

export function queriesPerRequestHeatmapPanel(): HeatmapBuilder {
  return bucketHeatmap(
    'Queries per request distribution',
    'How many SQL queries the route\'s requests run: requests per second in each bucket of the queries-per-request histogram. A band that grows with the data (10, 20, 50 queries) is an N+1.',
  )
    .yAxis(new YAxisConfigBuilder().unit(units.Short))
    .withTarget(bucketsTarget('A', promql.ENDPOINT_QUERIES_PER_REQUEST_BUCKETS));
}

export function routeNPlusOnePanel(): TimeseriesBuilder {
  return timeseries(
    'N+1 findings by query',
    'Which queries the route repeats as an N+1, findings per minute by query summary. The traces with an N+1 are listed below; each carries one `spanlens.n_plus_one` event per finding, with the normalized query and a suggested fix.',
  )
    .unit(PER_MINUTE)
    .withTarget(seriesTarget('A', promql.N_PLUS_ONE_PER_MINUTE_BY_SUMMARY, '{{db_query_summary}}'));
}

export function routeSlowQueriesPanel(): TimeseriesBuilder {
  return timeseries(
    'Slow queries by query',
    'Which of the route\'s queries take SPANLENS_SLOW_QUERY_MS or longer, per minute by query summary. No data: no slow query in this range.',
  )
    .unit(PER_MINUTE)
    .withTarget(seriesTarget('A', promql.SLOW_QUERIES_PER_MINUTE_BY_SUMMARY, '{{db_query_summary}}'));
}

const SERVICE_WIDE_CACHE =
  'The cache metric (spanlens_cache_operations_total) has no route label, so this is the cache of the whole service, not of this route alone; a request span carries its own spanlens.cache.hits and spanlens.cache.misses in Jaeger.';

export function serviceCacheHitRatePanel(): TimeseriesBuilder {
  return timeseries(
    'Cache hit rate of the service',
    `How often the service's cache lookups find their value, overall and by namespace, over 5 minutes. ${SERVICE_WIDE_CACHE}`,
  )
    .unit(units.PercentUnit)
    .max(1)
    .withTarget(seriesTarget('A', promql.CACHE_HIT_RATE, '{{job}} overall'))
    .withTarget(seriesTarget('B', promql.CACHE_HIT_RATE_BY_NAMESPACE, '{{job}} · {{spanlens_cache_namespace}}'));
}

export function serviceCacheOperationsPanel(): TimeseriesBuilder {
  return timeseries(
    'Cache operations of the service',
    `How many cache operations per second hit, miss, or do not look up at all (none: writes and deletes), by namespace. ${SERVICE_WIDE_CACHE}`,
  )
    .unit(units.OpsPerSecond)
    .withTarget(seriesTarget('A', promql.CACHE_OPERATION_RATE_BY_RESULT, '{{spanlens_cache_namespace}} {{spanlens_cache_result}}'));
}

/** The found traces as a table (each trace id opens the trace), and the same search in Explore. */
function tracesPanel(title: string, description: string, search: TraceSearch): TableBuilder {
  return new TableBuilder()
    .title(title)
    .description(description)
    .datasource(JAEGER)
    .withTarget(jaegerSearchTarget('A', search))
    .links([link('Open this search in Explore', exploreSearchUrl(search))]);
}

export function nPlusOneTracesPanel(): TableBuilder {
  return tracesPanel(
    'Traces with an N+1',
    `Which of the route's traces contain an N+1: Jaeger traces whose request span has ${N_PLUS_ONE_FOUND_ATTRIBUTE}=true. Open one to see the repeated queries under their parent and the spanlens.n_plus_one events.`,
    ROUTE_N_PLUS_ONE_TRACES,
  );
}

export function slowTracesPanel(): TableBuilder {
  return tracesPanel(
    'Slow traces',
    `Which of the route's traces were slow: Jaeger traces whose request span has ${SLOW_ATTRIBUTE}=true (SPANLENS_SLOW_REQUEST_MS or longer).`,
    ROUTE_SLOW_TRACES,
  );
}

export function recentTracesPanel(): TableBuilder {
  return tracesPanel(
    'Recent traces',
    'The route\'s latest traces in Jaeger, whatever they contain. Behind the bundled collector\'s tail sampling, only a share of the fast, clean requests is kept.',
    ROUTE_TRACES,
  );
}

export function endpointDashboard(): DashboardBuilder {
  return new DashboardBuilder('spanlens endpoint drill-down')
    .uid(ENDPOINT_UID)
    .description('One route: its latency and query distributions, N+1 findings, slow queries, cache, and its traces in Jaeger.')
    .tags(['spanlens'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-30m', to: 'now' })
    .link(otherDashboardLink('spanlens overview', OVERVIEW_UID))
    .withVariable(datasourceVariable())
    .withVariable(serviceVariable())
    .withVariable(instanceVariable())
    .withVariable(singleRouteVariable())
    .withVariable(traceServiceVariable())
    .withRow(new RowBuilder('Requests of $route'))
    .withPanel(routeRequestRatePanel().span(8).height(8))
    .withPanel(routeLatencyPanel().span(16).height(8))
    .withPanel(latencyHeatmapPanel().span(12).height(9))
    .withPanel(queriesPerRequestHeatmapPanel().span(12).height(9))
    .withRow(new RowBuilder('Database'))
    .withPanel(routeNPlusOnePanel().span(12).height(8))
    .withPanel(routeSlowQueriesPanel().span(12).height(8))
    .withRow(new RowBuilder('Cache of the service'))
    .withPanel(serviceCacheHitRatePanel().span(12).height(8))
    .withPanel(serviceCacheOperationsPanel().span(12).height(8))
    .withRow(new RowBuilder('Traces in Jaeger'))
    .withPanel(nPlusOneTracesPanel().span(8).height(10))
    .withPanel(slowTracesPanel().span(8).height(10))
    .withPanel(recentTracesPanel().span(8).height(10));
}
