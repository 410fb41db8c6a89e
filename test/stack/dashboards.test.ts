import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { MeterProvider } from '@opentelemetry/api';
import { ATTR_HTTP_ROUTE, METRIC_DB_CLIENT_OPERATION_DURATION, METRIC_HTTP_SERVER_REQUEST_DURATION } from '@opentelemetry/semantic-conventions';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import { dashboardFiles } from '../../grafana/generator/dashboard-files.ts';
import { createInstruments } from '../../src/metrics/instruments';

const root = path.resolve(__dirname, '../..');
const dashboardsDirectory = path.join(root, 'grafana/dashboards');

type Json = Record<string, any>;

interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

const committed = readdirSync(dashboardsDirectory)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((fileName) => ({ fileName, dashboard: JSON.parse(readFileSync(path.join(dashboardsDirectory, fileName), 'utf8')) as Json }));

/** Top-level panels (rows included) and the panels inside rows. */
function panelsOf(dashboard: Json): Json[] {
  return (dashboard.panels as Json[]).flatMap((panel) => [panel, ...((panel.panels as Json[] | undefined) ?? [])]);
}

function variablesOf(dashboard: Json): Json[] {
  return (dashboard.templating?.list as Json[] | undefined) ?? [];
}

function prometheusExpressions(dashboard: Json): string[] {
  const targets = panelsOf(dashboard).flatMap((panel) => (panel.targets as Json[] | undefined) ?? []);
  return targets.filter((target) => typeof target.expr === 'string').map((target) => target.expr as string);
}

const LABEL_VALUES = /^label_values\((?:(.+),\s*)?([a-zA-Z_]\w*)\)$/s;

function variableQueries(dashboard: Json): string[] {
  return variablesOf(dashboard)
    .filter((variable) => variable.type === 'query')
    .map((variable) => variable.query as string);
}

/** The PromQL inside a query variable: the series selector of `label_values(<selector>, <label>)`. */
function selectorOf(variableQuery: string): string {
  const match = LABEL_VALUES.exec(variableQuery);
  if (!match) throw new Error(`not a label_values() query: ${variableQuery}`);
  return match[1] ?? '';
}

/** Every PromQL expression a dashboard runs: panel targets, and the selectors of its query variables. */
function promqlOf(dashboard: Json): string[] {
  return [...prometheusExpressions(dashboard), ...variableQueries(dashboard).map(selectorOf).filter((selector) => selector !== '')];
}

/** Grafana's variables replaced by values like the ones Grafana sends (regexes for multi-value variables). */
function substituteVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$service', 'syncup-demo|other-service')
    .replaceAll('$instance', '.*')
    .replaceAll('$route', '/meetings/:meetingId');
}

/** The text of each error node lezer-promql's parse tree holds. */
function syntaxErrorsIn(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`at ${node.from}: "${expr.slice(Math.max(0, node.from - 10), node.to + 10)}"`);
    },
  });
  return errors;
}

function metricNamesIn(expr: string): string[] {
  const names: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(expr.slice(node.from, node.to));
    },
  });
  return names;
}

/** What exporter-prometheus does to an OpenTelemetry instrument name. */
function prometheusName(instrumentName: string): string {
  return instrumentName.replace(/[^a-z0-9_]/gi, '_').replace(/_{2,}/g, '_');
}

/** The series spanlens' own instruments become, read off createInstruments() with a meter that records names. */
function spanlensSeries(): string[] {
  const series: string[] = [];
  const recordingMeter = new Proxy(
    {},
    {
      get: (_meter, method: string) => (name: string) => {
        const base = prometheusName(name);
        if (method === 'createCounter') series.push(base.endsWith('_total') ? base : `${base}_total`);
        else if (method === 'createHistogram') series.push(`${base}_bucket`, `${base}_sum`, `${base}_count`);
        else series.push(base);
        return {};
      },
    },
  );
  const meterProvider = { getMeter: () => recordingMeter } as unknown as MeterProvider;
  createInstruments(meterProvider);
  return series;
}

function histogramSeries(instrumentName: string): string[] {
  const base = prometheusName(instrumentName);
  return [`${base}_bucket`, `${base}_sum`, `${base}_count`];
}

function recordingRuleNames(): string[] {
  const file = path.join(root, 'prometheus/rules/spanlens-recording.yml');
  const rules = parseYaml(readFileSync(file, 'utf8')) as { groups: { rules: { record?: string }[] }[] };
  return rules.groups.flatMap((group) => group.rules.flatMap((rule) => (rule.record ? [rule.record] : [])));
}

function knownSeries(): Set<string> {
  return new Set([
    ...spanlensSeries(),
    ...histogramSeries(METRIC_HTTP_SERVER_REQUEST_DURATION),
    ...histogramSeries(METRIC_DB_CLIENT_OPERATION_DURATION),
    'target_info', // the exporter's resource attributes
    ...recordingRuleNames(),
  ]);
}

function provisioned(kind: 'datasources' | 'dashboards'): Json[] {
  const directory = path.join(root, 'grafana/provisioning', kind);
  return readdirSync(directory)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => parseYaml(readFileSync(path.join(directory, name), 'utf8')) as Json);
}

const provisionedDatasources = (): Json[] => provisioned('datasources').flatMap((file) => (file.datasources as Json[]) ?? []);

/** Every `datasource` object anywhere in a dashboard: panels, targets, variables, annotations. */
function datasourceReferences(value: unknown, found: Json[] = []): Json[] {
  if (Array.isArray(value)) for (const item of value) datasourceReferences(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'datasource' && inner !== null && typeof inner === 'object') found.push(inner as Json);
      datasourceReferences(inner, found);
    }
  }
  return found;
}

function overlaps(a: GridPos, b: GridPos): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

const PROMETHEUS_REFERENCE = { type: 'prometheus', uid: '${datasource}' };
const JAEGER_REFERENCE = { type: 'jaeger', uid: 'jaeger' };

describe('the generated dashboards', () => {
  it('are committed exactly as `npm run dashboards` writes them, and nothing else is in grafana/dashboards', () => {
    const generated = dashboardFiles();
    expect(committed.map((file) => file.fileName)).toEqual(generated.map((file) => file.fileName).sort());
    for (const file of generated) {
      expect({ file: file.fileName, text: readFileSync(path.join(dashboardsDirectory, file.fileName), 'utf8') }).toEqual({
        file: file.fileName,
        text: file.text,
      });
    }
  });

  it('are the overview and the endpoint drill-down, under their fixed uids', () => {
    expect(committed.map(({ fileName, dashboard }) => [fileName, dashboard.uid])).toEqual([
      ['spanlens-endpoint.json', 'spanlens-endpoint'],
      ['spanlens-overview.json', 'spanlens-overview'],
    ]);
  });
});

describe.each(committed)('$fileName', ({ dashboard }) => {
  it('is a dashboard model: a title, a uid, a schema version and panels', () => {
    expect(dashboard).toMatchObject({ title: expect.any(String), uid: expect.any(String), schemaVersion: expect.any(Number) });
    expect(dashboard.title.length).toBeGreaterThan(0);
    expect(Array.isArray(dashboard.panels)).toBe(true);
    expect(dashboard.panels.length).toBeGreaterThan(0);
  });

  it('gives every panel a unique id', () => {
    const ids = panelsOf(dashboard).map((panel) => panel.id);
    for (const id of ids) expect(Number.isInteger(id) && id > 0).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lays its panels on the 24-column grid without overlapping', () => {
    const placed = (dashboard.panels as Json[]).map((panel) => ({ title: panel.title as string, grid: panel.gridPos as GridPos }));
    for (const { title, grid } of placed) {
      expect({ title, fits: grid.x >= 0 && grid.y >= 0 && grid.w >= 1 && grid.h >= 1 && grid.x + grid.w <= 24 }).toEqual({ title, fits: true });
    }
    const overlapping = placed.flatMap((a, i) => placed.slice(i + 1).filter((b) => overlaps(a.grid, b.grid)).map((b) => `${a.title} / ${b.title}`));
    expect(overlapping).toEqual([]);
  });

  it('says in every panel what it answers', () => {
    const undescribed = panelsOf(dashboard)
      .filter((panel) => panel.type !== 'row')
      .filter((panel) => typeof panel.description !== 'string' || panel.description.length < 20)
      .map((panel) => panel.title);
    expect(undescribed).toEqual([]);
  });

  it('queries Prometheus only through the ${datasource} variable and Jaeger only through its provisioned uid', () => {
    const references = datasourceReferences(dashboard);
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) expect([PROMETHEUS_REFERENCE, JAEGER_REFERENCE]).toContainEqual(reference);
    const datasourceVariable = variablesOf(dashboard).find((variable) => variable.name === 'datasource');
    expect(datasourceVariable).toMatchObject({ type: 'datasource', query: 'prometheus' });
  });

  it('uses only datasource uids that grafana/provisioning defines', () => {
    const defined = new Map(provisionedDatasources().map((datasource) => [datasource.uid as string, datasource.type as string]));
    const used = datasourceReferences(dashboard).filter((reference) => reference.uid !== '${datasource}');
    for (const reference of used) expect([reference.uid, defined.get(reference.uid)]).toEqual([reference.uid, reference.type]);
    const defaultDatasource = provisionedDatasources().find((datasource) => datasource.isDefault === true);
    expect(defaultDatasource?.type).toBe('prometheus');
  });

  it('offers service, instance and route as multi-value variables with All as .*', () => {
    const byName = new Map(variablesOf(dashboard).map((variable) => [variable.name as string, variable]));
    for (const name of ['service', 'instance']) {
      expect(byName.get(name)).toMatchObject({ type: 'query', multi: true, includeAll: true, allValue: '.*', datasource: PROMETHEUS_REFERENCE });
    }
    const route = dashboard.uid === 'spanlens-endpoint' ? { multi: false, includeAll: false } : { multi: true, includeAll: true, allValue: '.*' };
    expect(byName.get('route')).toMatchObject({ type: 'query', datasource: PROMETHEUS_REFERENCE, ...route });
  });

  it('puts variables in PromQL only as job=~"$service", instance=~"$instance", http_route=~"$route" and [$__rate_interval]', () => {
    const conventional = /job=~"\$service"|instance=~"\$instance"|http_route=~"\$route"|\[\$__rate_interval\]/g;
    const expressions = [...prometheusExpressions(dashboard), ...variableQueries(dashboard)];
    expect(expressions.filter((expr) => expr.replace(conventional, '').includes('$'))).toEqual([]);
    const ranges = expressions.flatMap((expr) => expr.match(/\[[^\]]*\]/g) ?? []);
    expect(ranges.filter((range) => range !== '[$__rate_interval]')).toEqual([]);
  });

  it('writes every PromQL expression so that lezer-promql parses it without an error node', () => {
    const expressions = promqlOf(dashboard);
    expect(expressions.length).toBeGreaterThan(3);
    const broken = expressions.map((expr) => ({ expr, errors: syntaxErrorsIn(substituteVariables(expr)) })).filter(({ errors }) => errors.length > 0);
    expect(broken).toEqual([]);
  });

  it("queries only series the code exports or the recording rules record", () => {
    const known = knownSeries();
    const unknown = promqlOf(dashboard).flatMap((expr) => metricNamesIn(substituteVariables(expr))).filter((name) => !known.has(name));
    expect(unknown).toEqual([]);
  });
});

describe('the PromQL checks', () => {
  it('report a syntax error in a broken expression', () => {
    expect(syntaxErrorsIn('sum by (http_route (rate(http_server_request_duration_count[1m]))')).not.toEqual([]);
    expect(syntaxErrorsIn('sum by (http_route) (rate(http_server_request_duration_count[1m]))')).toEqual([]);
  });

  it('report a misspelled metric name', () => {
    const known = knownSeries();
    expect(metricNamesIn('sum(rate(spanlens_n_plus_one_totl[1m]))').filter((name) => !known.has(name))).toEqual(['spanlens_n_plus_one_totl']);
  });

  it("derive spanlens' series from its instruments as the exporter names them", () => {
    expect(spanlensSeries()).toEqual(expect.arrayContaining(['spanlens_n_plus_one_total', 'spanlens_request_db_queries_bucket', 'spanlens_cache_operations_total']));
  });

  it('read the selector out of a label_values() variable query', () => {
    expect(selectorOf('label_values(target_info{job=~"$service"}, service_name)')).toBe('target_info{job=~"$service"}');
    expect(() => selectorOf('query_result(up)')).toThrow('not a label_values() query');
  });
});

describe('the trace links of the endpoint drill-down', () => {
  const endpoint = committed.find((file) => file.fileName === 'spanlens-endpoint.json')!.dashboard;
  const tracePanels = panelsOf(endpoint).filter((panel) => panel.datasource?.type === 'jaeger');
  const searchTags = (target: Json): Record<string, string> =>
    Object.fromEntries([...(target.tags as string).matchAll(/([\w.]+)="([^"]*)"/g)].map((match) => [match[1], match[2]]));

  /** The string literals of spanlens' sources: the span attribute names it writes are among them. */
  const sourceLiterals = (): string => {
    const files = readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
    return files.map((name) => readFileSync(path.join(root, 'src', name), 'utf8')).join('\n');
  };

  it('search Jaeger for the route, its N+1 traces and its slow traces', () => {
    expect(tracePanels.map((panel) => searchTags(panel.targets[0]))).toEqual([
      { 'http.route': '$route', 'spanlens.n_plus_one.found': 'true' },
      { 'http.route': '$route', 'spanlens.slow': 'true' },
      { 'http.route': '$route' },
    ]);
    for (const panel of tracePanels) expect(panel.targets[0]).toMatchObject({ queryType: 'search', service: '$trace_service', datasource: JAEGER_REFERENCE });
    expect(variablesOf(endpoint).find((variable) => variable.name === 'trace_service')).toMatchObject({ type: 'query', multi: false });
  });

  it('search only span attributes that the http instrumentation or spanlens writes', () => {
    const sources = sourceLiterals();
    const attributes = [...new Set(tracePanels.flatMap((panel) => Object.keys(searchTags(panel.targets[0]))))];
    const unwritten = attributes.filter((attribute) => attribute !== ATTR_HTTP_ROUTE && !sources.includes(`'${attribute}'`));
    expect(unwritten).toEqual([]);
  });

  it('open the same search in Explore on the provisioned Jaeger', () => {
    for (const panel of tracePanels) {
      const url = (panel.links as Json[])[0]!.url as string;
      const values: Record<string, string> = { route: '%2Fmeetings%2F%3AmeetingId', trace_service: 'syncup-demo', __from: '1', __to: '2' };
      const filled = url.replace(/\$\{(\w+)(?::percentencode)?\}/g, (_whole, name: string) => values[name] ?? `<unknown ${name}>`);
      const panes = JSON.parse(new URL(filled, 'http://grafana').searchParams.get('panes')!) as Json;
      const pane = Object.values(panes)[0] as Json;
      expect(pane.datasource).toBe('jaeger');
      expect(pane.range).toEqual({ from: '1', to: '2' });
      const expected = { ...panel.targets[0], service: 'syncup-demo', tags: (panel.targets[0].tags as string).replace('$route', '/meetings/:meetingId') };
      expect(pane.queries).toEqual([expected]);
    }
  });
});

describe('grafana/provisioning', () => {
  it('defines Prometheus (the default) and Jaeger under fixed uids at their compose addresses', () => {
    expect(provisionedDatasources()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'prometheus', uid: 'prometheus', url: 'http://prometheus:9090', isDefault: true }),
        expect.objectContaining({ type: 'jaeger', uid: 'jaeger', url: 'http://jaeger:16686' }),
      ]),
    );
  });

  it('loads dashboards from the folder grafana/dashboards is mounted on', () => {
    const providers = provisioned('dashboards').flatMap((file) => (file.providers as Json[]) ?? []);
    expect(providers).toEqual([expect.objectContaining({ type: 'file', options: expect.objectContaining({ path: '/var/lib/grafana/dashboards' }) })]);
  });
});
