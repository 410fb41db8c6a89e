import type { Dashboard, Panel, RowPanel } from '@grafana/grafana-foundation-sdk/dashboard';
import { endpointDashboard } from './endpoint-dashboard.ts';
import { overviewDashboard } from './overview-dashboard.ts';

/** A generated dashboard: its file name in grafana/dashboards/ and its exact contents. */
export interface DashboardFile {
  fileName: string;
  text: string;
}

/** Ids in layout order, rows included: the SDK leaves panels without one and rows at 0. */
function numberPanels(dashboard: Dashboard): Dashboard {
  let next = 1;
  for (const panel of dashboard.panels ?? []) {
    panel.id = next++;
    for (const nested of (panel as RowPanel).panels ?? []) (nested as Panel).id = next++;
  }
  return dashboard;
}

/** Keys sorted at every level and a final newline, so that the same dashboard always writes the same bytes. */
function canonicalJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, inner: unknown) => (isPlainObject(inner) ? sortKeys(inner) : inner), 2)}\n`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sortKeys(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(object).sort().map((key) => [key, object[key]]));
}

export function dashboardFiles(): DashboardFile[] {
  return [
    { fileName: 'spanlens-overview.json', text: canonicalJson(numberPanels(overviewDashboard().build())) },
    { fileName: 'spanlens-endpoint.json', text: canonicalJson(numberPanels(endpointDashboard().build())) },
  ];
}
