import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** One query a dashboard runs: a panel target's PromQL, or a query variable's Grafana query. */
export interface DashboardQuery {
  /** Where it comes from, for failure messages: `spanlens-overview.json › p95 by route › A`. */
  source: string;
  kind: 'panel' | 'variable';
  /** As written in the dashboard, variables not yet substituted. */
  text: string;
  /** Grafana runs it as an instant query (tables, stats) instead of a range query. */
  instant: boolean;
}

interface GrafanaTarget {
  refId?: string;
  expr?: string;
  instant?: boolean;
  range?: boolean;
}

interface GrafanaPanel {
  title?: string;
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
}

interface GrafanaVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
}

interface GrafanaDashboard {
  panels?: GrafanaPanel[];
  templating?: { list?: GrafanaVariable[] };
}

/** The dashboard JSON files in a directory; empty when the directory does not exist. */
export function dashboardFiles(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => path.join(directory, name));
}

/** Every panel target's `expr` (rows' nested panels included) and every query variable's query. */
export function readDashboardQueries(file: string): DashboardQuery[] {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as GrafanaDashboard;
  const name = path.basename(file);
  const queries: DashboardQuery[] = [];
  const visit = (panels: GrafanaPanel[] = []): void => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (typeof target.expr !== 'string' || target.expr.trim() === '') continue;
        queries.push({
          source: `${name} › ${panel.title ?? '(untitled panel)'} › ${target.refId ?? '?'}`,
          kind: 'panel',
          text: target.expr,
          instant: target.instant === true && target.range !== true,
        });
      }
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const text = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (typeof text !== 'string' || text.trim() === '') continue;
    queries.push({ source: `${name} › variable ${variable.name}`, kind: 'variable', text, instant: true });
  }
  return queries;
}

/** What a Prometheus query variable asks for, in Grafana's variable query syntax. */
export type VariableQuery =
  | { kind: 'label_values'; label: string; match: string | undefined }
  | { kind: 'label_names' }
  | { kind: 'metrics'; regex: string }
  | { kind: 'query_result'; expr: string };

export function parseVariableQuery(text: string): VariableQuery {
  const query = text.trim();
  let match: RegExpExecArray | null;
  if ((match = /^label_values\(\s*(?:([\s\S]+?)\s*,\s*)?([a-zA-Z_]\w*)\s*\)$/.exec(query))) {
    return { kind: 'label_values', label: match[2]!, match: match[1] };
  }
  if (/^label_names\([\s\S]*\)$/.test(query)) return { kind: 'label_names' };
  if ((match = /^metrics\(([\s\S]*)\)$/.exec(query))) return { kind: 'metrics', regex: match[1]!.trim() };
  if ((match = /^query_result\(([\s\S]*)\)$/.exec(query))) return { kind: 'query_result', expr: match[1]! };
  // Grafana runs anything else as PromQL and uses the result like query_result().
  return { kind: 'query_result', expr: query };
}

/**
 * Replaces Grafana variables (`$name`, `${name}`, `${name:format}`, `[[name]]`) with the given values.
 * A variable without a value is an error, so that a query never runs with a `$` left in it.
 */
export function substituteVariables(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)/g, (whole, braced?: string, bracketed?: string, plain?: string) => {
    const name = (braced ?? bracketed ?? plain)!;
    const value = values[name];
    if (value === undefined) throw new Error(`no value for variable ${whole} in: ${text}`);
    return value;
  });
}

/**
 * A literal as Grafana writes a selected value of a multi-value variable into a regex matcher: regex
 * metacharacters escaped, the escaping backslash doubled for the PromQL string (`/users/\\{id\\}`).
 */
export function regexLiteral(value: string): string {
  return value.replace(/[\\^$*+?.()|{}[\]]/g, (character) => `\\\\${character}`);
}
