import {
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PROMETHEUS, PROMETHEUS_VARIABLE } from './datasources.ts';
import { INSTANCE_VALUES, ROUTE_VALUES, SERVICE_VALUES, TRACE_SERVICE_VALUES } from './promql.ts';

/** The Prometheus every panel and variable queries: any Prometheus datasource of the Grafana it runs in. */
export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder(PROMETHEUS_VARIABLE).label('Prometheus').type('prometheus');
}

function labelVariable(name: string, label: string, query: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

/** Several values or All; All is `.*` so that selectors stay `label=~"$variable"`. */
function multiValueVariable(name: string, label: string, query: string): QueryVariableBuilder {
  return labelVariable(name, label, query)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

/** A service is a Prometheus scrape job. */
export function serviceVariable(): QueryVariableBuilder {
  return multiValueVariable('service', 'Service', SERVICE_VALUES);
}

export function instanceVariable(): QueryVariableBuilder {
  return multiValueVariable('instance', 'Instance', INSTANCE_VALUES);
}

export function routeVariable(): QueryVariableBuilder {
  return multiValueVariable('route', 'Route', ROUTE_VALUES);
}

/** The drill-down looks at one route at a time. */
export function singleRouteVariable(): QueryVariableBuilder {
  return labelVariable('route', 'Route', ROUTE_VALUES).multi(false).includeAll(false);
}

/** Jaeger searches need one service name: the `service.name` of the selected service, from `target_info`. */
export function traceServiceVariable(): QueryVariableBuilder {
  return labelVariable('trace_service', 'Service in Jaeger', TRACE_SERVICE_VALUES).multi(false).includeAll(false);
}
