import { readFileSync } from 'node:fs';
import { parseVariableQuery, regexLiteral, substituteVariables } from './dashboard-queries';
import type { StackPrometheus } from './stack-prometheus';

interface GrafanaVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
}

/** How a test picks a variable: All where the variable offers it, otherwise `value` from its list. */
export interface Selection {
  all: boolean;
  value: string;
}

/** The range and interval variables Grafana fills in itself, for a dashboard looking at the last minutes. */
export const BUILT_IN_VARIABLES: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __interval_ms: '15000',
  __range: '5m',
  __range_s: '300',
  __range_ms: '300000',
};

/** The values a variable query offers, run as Grafana runs it against Prometheus. */
export async function variableOptions(prometheus: StackPrometheus, query: string): Promise<string[]> {
  const parsed = parseVariableQuery(query);
  switch (parsed.kind) {
    case 'label_values':
      return prometheus.labelValues(parsed.label, parsed.match);
    case 'label_names':
      return prometheus.labelNames();
    case 'metrics':
      return prometheus.seriesNames(`{__name__=~"${parsed.regex}"}`);
    case 'query_result': {
      const samples = await prometheus.query(parsed.expr);
      return samples.map((sample) => JSON.stringify(sample.metric));
    }
  }
}

/**
 * Resolves a dashboard's variables the way Grafana does, in their order, each query run with the ones
 * before it substituted: a variable in `selections` gets that selection (which must be among the options
 * its query offers, so a user could pick it), any other its first option.
 * Values are written as Grafana interpolates them into PromQL: for a multi-value or include-All variable
 * a regex (All is its allValue, a value is escaped), for a single-value one the value as it is.
 */
export async function resolveVariables(
  prometheus: StackPrometheus,
  dashboardFile: string,
  selections: Record<string, Selection>,
): Promise<Record<string, string>> {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { templating?: { list?: GrafanaVariable[] } };
  const values: Record<string, string> = { ...BUILT_IN_VARIABLES };
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type === 'datasource') {
      values[variable.name] = 'prometheus';
      continue;
    }
    if (variable.type !== 'query') continue;
    const regex = variable.multi === true || variable.includeAll === true;
    const selection = selections[variable.name];
    if (selection?.all === true && variable.includeAll === true) {
      values[variable.name] = variable.allValue ?? '.*';
      continue;
    }
    const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
    const options = await variableOptions(prometheus, substituteVariables(query, values));
    const wanted = selection?.value ?? options[0];
    if (wanted === undefined || !options.includes(wanted)) {
      throw new Error(`variable ${variable.name} of ${dashboardFile} does not offer ${wanted ?? 'any value'}; it offers ${JSON.stringify(options)}`);
    }
    values[variable.name] = regex ? regexLiteral(wanted) : wanted.replace(/[\\"]/g, (character) => `\\${character}`);
  }
  return values;
}
