import * as common from '@grafana/grafana-foundation-sdk/common';
import { DashboardBuilder, DashboardCursorSync, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import type { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import * as units from '@grafana/grafana-foundation-sdk/units';
import {
  ENDPOINT_OF_ROW_URL,
  ENDPOINT_OF_SERIES_URL,
  ENDPOINT_UID,
  OVERVIEW_UID,
  endpointDataLink,
  otherDashboardLink,
} from './dashboard-links.ts';
import { PROMETHEUS } from './datasources.ts';
import { timeseries } from './panel-defaults.ts';
import { seriesTarget, tableTarget } from './prometheus-targets.ts';
import * as promql from './promql.ts';
import { datasourceVariable, instanceVariable, routeVariable, serviceVariable } from './variables.ts';

const PER_MINUTE = 'suffix:/min';

export function requestRatePanel(): TimeseriesBuilder {
  return timeseries('Request rate', 'How many requests per second each route serves.')
    .unit(units.RequestsPerSecond)
    .withTarget(seriesTarget('A', promql.REQUEST_RATE_BY_ROUTE, '{{http_route}}'))
    .dataLinks([endpointDataLink(ENDPOINT_OF_SERIES_URL)]);
}

export function errorRatioPanel(): TimeseriesBuilder {
  return timeseries(
    'Error ratio',
    'Which share of each route\'s requests fail: a 5xx status or an `error.type` (an exception before the response). 404s are not errors.',
  )
    .unit(units.PercentUnit)
    .max(1)
    .withTarget(seriesTarget('A', promql.ERROR_RATIO_BY_ROUTE, '{{http_route}}'));
}

export function slowRequestsPanel(): TimeseriesBuilder {
  return timeseries(
    'Slow requests',
    'How many requests per second take SPANLENS_SLOW_REQUEST_MS or longer, by route. No data: no slow request in this range.',
  )
    .unit(units.RequestsPerSecond)
    .withTarget(seriesTarget('A', promql.SLOW_REQUEST_RATE_BY_ROUTE, '{{http_route}}'))
    .dataLinks([endpointDataLink(ENDPOINT_OF_SERIES_URL)]);
}

export function latencyPanel(): TimeseriesBuilder {
  return timeseries(
    'Latency p50 / p95 / p99 by route',
    'How long requests take per route: the median, the 95th and the 99th percentile over 5 minutes, from the request duration histogram (recording rule job_instance_route_le:http_server_request_duration_bucket:rate5m).',
  )
    .unit(units.Seconds)
    .withTarget(seriesTarget('A', promql.LATENCY_P50_BY_ROUTE, '{{http_route}} p50'))
    .withTarget(seriesTarget('B', promql.LATENCY_P95_BY_ROUTE, '{{http_route}} p95'))
    .withTarget(seriesTarget('C', promql.LATENCY_P99_BY_ROUTE, '{{http_route}} p99'))
    .dataLinks([endpointDataLink(ENDPOINT_OF_SERIES_URL)]);
}

/** Table columns: the instant query of each refId, shown under a name and a unit. */
const TOP_ENDPOINT_COLUMNS = [
  { refId: 'A', expr: promql.TOP_ENDPOINTS_REQUEST_RATE, name: 'Requests/s', unit: units.RequestsPerSecond, decimals: 2 },
  { refId: 'B', expr: promql.TOP_ENDPOINTS_P95, name: 'p95', unit: units.Seconds, decimals: 3 },
  { refId: 'C', expr: promql.TOP_ENDPOINTS_QUERIES_PER_REQUEST, name: 'Queries/request', unit: units.Short, decimals: 1 },
  { refId: 'D', expr: promql.TOP_ENDPOINTS_N_PLUS_ONE_PER_MINUTE, name: 'N+1/min', unit: PER_MINUTE, decimals: 1 },
  { refId: 'E', expr: promql.TOP_ENDPOINTS_SERVICE_CACHE_HIT_RATE, name: 'Service cache hit rate', unit: units.PercentUnit, decimals: 1 },
] as const;

export function topEndpointsPanel(): TableBuilder {
  let table = new TableBuilder()
    .title('Top endpoints')
    .description(
      'Which routes matter most: request rate, p95 latency (recording rule per service and route), average queries per request, N+1 findings per minute, and the hit rate of the service\'s cache (the cache metric has no route label, so every route of a service shows the same). Click a route for its drill-down.',
    )
    .datasource(PROMETHEUS)
    .sortBy([new common.TableSortByFieldStateBuilder().displayName('Requests/s').desc(true)])
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({
      id: 'organize',
      options: {
        excludeByName: { Time: true },
        indexByName: Object.fromEntries(['job', 'http_route', ...TOP_ENDPOINT_COLUMNS.map((column) => `Value #${column.refId}`)].map((name, index) => [name, index])),
      },
    })
    .overrideByName('job', [{ id: 'displayName', value: 'Service' }])
    .overrideByName('http_route', [
      { id: 'displayName', value: 'Route' },
      { id: 'links', value: [endpointDataLink(ENDPOINT_OF_ROW_URL).build()] },
    ]);
  for (const column of TOP_ENDPOINT_COLUMNS) {
    table = table
      .withTarget(tableTarget(column.refId, column.expr))
      .overrideByName(`Value #${column.refId}`, [
        { id: 'displayName', value: column.name },
        { id: 'unit', value: column.unit },
        { id: 'decimals', value: column.decimals },
      ]);
  }
  return table;
}

export function queriesPerRequestPanel(): TimeseriesBuilder {
  return timeseries(
    'Queries per request',
    'How many SQL queries a request of each route runs: the average (recording rule job_instance_route:spanlens_request_db_queries:avg_5m) and the 95th percentile. A high count on a list route often means an N+1.',
  )
    .unit(units.Short)
    .withTarget(seriesTarget('A', promql.QUERIES_PER_REQUEST_AVG_BY_ROUTE, '{{http_route}} avg'))
    .withTarget(seriesTarget('B', promql.QUERIES_PER_REQUEST_P95_BY_ROUTE, '{{http_route}} p95'))
    .dataLinks([endpointDataLink(ENDPOINT_OF_SERIES_URL)]);
}

export function databaseTimeSharePanel(): TimeseriesBuilder {
  return timeseries(
    'Database time share',
    'Which share of each route\'s request time is spent waiting on the database: time with at least one query running (concurrent queries count once) over total request time.',
  )
    .unit(units.PercentUnit)
    .max(1)
    .withTarget(seriesTarget('A', promql.DB_TIME_SHARE_BY_ROUTE, '{{http_route}}'))
    .dataLinks([endpointDataLink(ENDPOINT_OF_SERIES_URL)]);
}

export function slowQueriesPanel(): TimeseriesBuilder {
  return timeseries(
    'Slow queries by query summary',
    'Which queries take SPANLENS_SLOW_QUERY_MS or longer, per minute, by query summary (`SELECT meetings`), on the selected routes. No data: no slow query in this range.',
  )
    .unit(PER_MINUTE)
    .withTarget(seriesTarget('A', promql.SLOW_QUERIES_PER_MINUTE_BY_SUMMARY, '{{db_query_summary}}'));
}

export function nPlusOnePanel(): TimeseriesBuilder {
  return timeseries(
    'N+1 findings by route and query',
    'Where N+1 query patterns happen: findings per minute by route and the repeated query\'s summary. The drill-down links to the traces that show each repeat.',
  )
    .unit(PER_MINUTE)
    .withTarget(seriesTarget('A', promql.N_PLUS_ONE_PER_MINUTE_BY_ROUTE_AND_SUMMARY, '{{http_route}} · {{db_query_summary}}'))
    .dataLinks([endpointDataLink(ENDPOINT_OF_SERIES_URL)]);
}

export function cacheHitRatePanel(): StatBuilder {
  return new StatBuilder()
    .title('Cache hit rate')
    .description(
      'How often a cache lookup finds its value, per service, over 5 minutes (recording rule job:spanlens_cache_hit_ratio:rate5m; hits / (hits + misses)).',
    )
    .datasource(PROMETHEUS)
    .unit(units.PercentUnit)
    .decimals(1)
    .min(0)
    .max(1)
    .graphMode(common.BigValueGraphMode.Area)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .withTarget(seriesTarget('A', promql.CACHE_HIT_RATE, '{{job}}'));
}

export function cacheHitRateByNamespacePanel(): TimeseriesBuilder {
  return timeseries(
    'Cache hit rate by namespace',
    'Which cache namespace hits and which misses, per service, over 5 minutes (recording rule job_namespace:spanlens_cache_hit_ratio:rate5m).',
  )
    .unit(units.PercentUnit)
    .max(1)
    .withTarget(seriesTarget('A', promql.CACHE_HIT_RATE_BY_NAMESPACE, '{{job}} · {{spanlens_cache_namespace}}'));
}

export function overviewDashboard(): DashboardBuilder {
  return new DashboardBuilder('spanlens overview')
    .uid(OVERVIEW_UID)
    .description('Per-route response times, SQL queries, N+1 patterns and cache hit rates measured by spanlens.')
    .tags(['spanlens'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-30m', to: 'now' })
    .link(otherDashboardLink('Endpoint drill-down', ENDPOINT_UID))
    .withVariable(datasourceVariable())
    .withVariable(serviceVariable())
    .withVariable(instanceVariable())
    .withVariable(routeVariable())
    .withRow(new RowBuilder('Requests'))
    .withPanel(requestRatePanel().span(8).height(8))
    .withPanel(errorRatioPanel().span(8).height(8))
    .withPanel(slowRequestsPanel().span(8).height(8))
    .withPanel(topEndpointsPanel().span(24).height(10))
    .withPanel(latencyPanel().span(24).height(9))
    .withRow(new RowBuilder('Database'))
    .withPanel(queriesPerRequestPanel().span(12).height(8))
    .withPanel(databaseTimeSharePanel().span(12).height(8))
    .withPanel(nPlusOnePanel().span(12).height(9))
    .withPanel(slowQueriesPanel().span(12).height(9))
    .withRow(new RowBuilder('Cache'))
    .withPanel(cacheHitRatePanel().span(6).height(8))
    .withPanel(cacheHitRateByNamespacePanel().span(18).height(8));
}
