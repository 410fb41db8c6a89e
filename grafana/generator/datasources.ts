import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

/**
 * The dashboards' Prometheus is the `datasource` template variable, never a fixed uid, so that a team can
 * import the JSON as is into a Grafana whose Prometheus has another uid.
 */
export const PROMETHEUS_VARIABLE = 'datasource';
export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: `\${${PROMETHEUS_VARIABLE}}` };

/** Jaeger has no variable: trace links need one fixed datasource, the provisioned one. */
export const JAEGER_UID = 'jaeger';
export const JAEGER: DataSourceRef = { type: 'jaeger', uid: JAEGER_UID };
