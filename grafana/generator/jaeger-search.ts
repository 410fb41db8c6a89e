import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import { JAEGER, JAEGER_UID } from './datasources.ts';

/** A Jaeger trace search: a service, and span attributes every found trace has on one span, matched exactly. */
export interface TraceSearch {
  service: string;
  tags: Readonly<Record<string, string>>;
  limit: number;
}

/**
 * Grafana's Jaeger query model in search mode (the SDK has no Jaeger package): `tags` is logfmt,
 * which Grafana turns into Jaeger's `tags` JSON of exact string matches.
 */
interface JaegerSearchQuery extends Dataquery {
  refId: string;
  datasource: DataSourceRef;
  queryType: 'search';
  service: string;
  tags: string;
  limit: number;
}

function logfmt(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(' ');
}

function searchQuery(refId: string, search: TraceSearch): JaegerSearchQuery {
  return {
    refId,
    datasource: JAEGER,
    queryType: 'search',
    service: search.service,
    tags: logfmt(search.tags),
    limit: search.limit,
    _implementsDataqueryVariant() {},
  };
}

export function jaegerSearchTarget(refId: string, search: TraceSearch): Builder<Dataquery> {
  return { build: () => searchQuery(refId, search) };
}

/**
 * The same search opened in Explore, over the dashboard's time range. The pane is URL-encoded JSON;
 * the dashboard variables in it stay `${name:percentencode}`, for Grafana to fill in when the link is
 * followed (`${__from}` and `${__to}` are digits and need no encoding).
 */
export function exploreSearchUrl(search: TraceSearch): string {
  const pane = { datasource: JAEGER_UID, queries: [searchQuery('A', search)], range: { from: '${__from}', to: '${__to}' } };
  const json = JSON.stringify({ traces: pane });
  let encoded = '';
  let last = 0;
  for (const variable of json.matchAll(/\$\{(\w+)\}|\$(\w+)/g)) {
    const name = variable[1] ?? variable[2] ?? '';
    const reference = name.startsWith('__') ? `\${${name}}` : `\${${name}:percentencode}`;
    encoded += encodeURIComponent(json.slice(last, variable.index)) + reference;
    last = variable.index + variable[0].length;
  }
  encoded += encodeURIComponent(json.slice(last));
  return `/explore?schemaVersion=1&orgId=1&panes=${encoded}`;
}
