import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import { type DashboardLink, DashboardLinkBuilder, DashboardLinkType } from '@grafana/grafana-foundation-sdk/dashboard';
import { PROMETHEUS_VARIABLE } from './datasources.ts';

export const OVERVIEW_UID = 'spanlens-overview';
export const ENDPOINT_UID = 'spanlens-endpoint';

/** The SDK places every link in the controls menu (a Grafana 12 option); ours stay where Grafana shows links by default. */
function shown(builder: DashboardLinkBuilder): Builder<DashboardLink> {
  return {
    build: () => {
      const link = builder.build();
      delete link.placement;
      return link;
    },
  };
}

/** A link on a panel, or on the values of a field (a data link); URLs may hold Grafana variables. */
export function link(title: string, url: string): Builder<DashboardLink> {
  return shown(new DashboardLinkBuilder(title).url(url));
}

/** A link at the top of a dashboard to another one, carrying the time range and the variables across. */
export function otherDashboardLink(title: string, uid: string): Builder<DashboardLink> {
  return shown(new DashboardLinkBuilder(title).type(DashboardLinkType.Link).url(`/d/${uid}`).icon('dashboard').keepTime(true).includeVars(true));
}

/**
 * The drill-down of the route a clicked series or table row belongs to, keeping the time range, the
 * Prometheus and the instances. `service` and `route` are Grafana data-link variables.
 */
function endpointUrl(service: string, route: string): string {
  return (
    `/d/${ENDPOINT_UID}/spanlens-endpoint?\${__url_time_range}&\${${PROMETHEUS_VARIABLE}:queryparam}` +
    `&${service}&\${instance:queryparam}&var-route=${route}`
  );
}

/** From a time series with an `http_route` label. */
export const ENDPOINT_OF_SERIES_URL = endpointUrl('${service:queryparam}', '${__field.labels.http_route:percentencode}');
/** From a table row with `job` and `http_route` columns. */
export const ENDPOINT_OF_ROW_URL = endpointUrl('var-service=${__data.fields.job:percentencode}', '${__data.fields.http_route:percentencode}');

export function endpointDataLink(url: string): Builder<DashboardLink> {
  return link('Open this route in the endpoint drill-down', url);
}
