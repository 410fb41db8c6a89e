import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promtool } from './helpers/promtool';
import {
  CONTAINER_RULES_DIR,
  PROMETHEUS_CONFIG,
  PROMETHEUS_DIR,
  RULES_DIR,
  RULE_TESTS_DIR,
  bundledRuleGroups,
  bundledRules,
  readYaml,
  yamlFilesIn,
} from './helpers/stack-files';

interface ScrapeConfig {
  job_name: string;
  honor_labels?: boolean;
  scrape_interval?: string;
  static_configs: Array<{ targets: string[] }>;
}

interface PrometheusConfig {
  global: { scrape_interval: string; evaluation_interval: string };
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}

interface RuleTestFile {
  rule_files: string[];
  tests: Array<{
    promql_expr_test?: Array<{ expr: string }>;
    alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }>;
  }>;
}

const config = readYaml<PrometheusConfig>(PROMETHEUS_CONFIG);
const ruleFiles = yamlFilesIn(RULES_DIR);
const ruleTestFiles = yamlFilesIn(RULE_TESTS_DIR);
const seconds = (duration: string): number => Number(/^(\d+)s$/.exec(duration)?.[1] ?? NaN);

let scratch: string;
beforeEach(() => (scratch = mkdtempSync(path.join(tmpdir(), 'spanlens-promtool-'))));
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

describe('prometheus/prometheus.yml, the stack\'s Prometheus configuration', () => {
  it('is valid as written for the container (promtool check config --syntax-only)', () => {
    const result = promtool('check', 'config', '--syntax-only', PROMETHEUS_CONFIG);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('is valid together with the rule files it loads, read from the repository instead of the container', () => {
    // promtool resolves rule_files itself, and the file names the container path, where a glob that
    // matches nothing passes silently: check a copy that points at prometheus/rules.
    expect(config.rule_files).toEqual([`${CONTAINER_RULES_DIR}/*.yml`]);
    const copy = path.join(scratch, 'prometheus.yml');
    writeFileSync(copy, readFileSync(PROMETHEUS_CONFIG, 'utf8').replaceAll(CONTAINER_RULES_DIR, RULES_DIR));

    const result = promtool('check', 'config', copy);

    expect(result.code).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${ruleFiles.length} rule files found`);
    for (const file of ruleFiles) expect(result.output).toContain(`Checking ${file}`);
  });

  it('scrapes the demo app, the collector\'s own telemetry and the app metrics pushed through the collector', () => {
    const jobs = Object.fromEntries(config.scrape_configs.map((scrape) => [scrape.job_name, scrape.static_configs.flatMap((s) => s.targets)]));
    expect(jobs).toEqual({
      'syncup-demo': ['demo:9464'],
      'otel-collector': ['collector:8888'],
      'otel-collector-apps': ['collector:8889'],
      prometheus: ['localhost:9090'],
    });
  });

  it('keeps the job and instance of apps that push through the collector, and only there', () => {
    const honoring = config.scrape_configs.filter((scrape) => scrape.honor_labels).map((scrape) => scrape.job_name);
    expect(honoring).toEqual(['otel-collector-apps']);
  });

  it('scrapes and evaluates every 5 to 15 seconds, so a fresh stack shows data within a minute', () => {
    const intervals = [config.global.scrape_interval, config.global.evaluation_interval, ...config.scrape_configs.map((s) => s.scrape_interval ?? config.global.scrape_interval)];
    for (const interval of intervals.map(seconds)) {
      expect(interval).toBeGreaterThanOrEqual(5);
      expect(interval).toBeLessThanOrEqual(15);
    }
  });
});

describe('the bundled rule files (prometheus/rules)', () => {
  it('pass promtool check rules', () => {
    const result = promtool('check', 'rules', ...ruleFiles);
    expect(result.output).not.toContain('FAILED');
    expect(result.code).toBe(0);
  });

  it('record exactly the series the dashboards and alerts query, in group spanlens-recording', () => {
    const recording = bundledRuleGroups().find((group) => group.name === 'spanlens-recording');
    expect(recording?.rules.map((rule) => rule.record)).toEqual([
      'job_instance_route_le:http_server_request_duration_bucket:rate5m',
      'job_route:http_server_request_duration:p95_5m',
      'job_instance_route:spanlens_request_db_queries:avg_5m',
      'job_namespace:spanlens_cache_hit_ratio:rate5m',
      'job:spanlens_cache_hit_ratio:rate5m',
    ]);
  });

  it('label every alert with a severity and explain it with a summary and a description', () => {
    const alerts = bundledRules().filter((rule) => rule.alert !== undefined);
    expect(alerts.map((rule) => rule.alert)).toEqual(['SpanlensNPlusOneQuery', 'SpanlensSlowRouteP95', 'SpanlensCacheHitRateLow']);
    for (const alert of alerts) {
      expect(['info', 'warning', 'critical']).toContain(alert.labels?.severity);
      expect(Object.keys(alert.annotations ?? {}).sort()).toEqual(['description', 'summary']);
    }
  });

  it('pass their unit tests (promtool test rules)', () => {
    const result = promtool('test', 'rules', ...ruleTestFiles);
    expect(result.output).not.toContain('FAILED');
    expect(result.code).toBe(0);
  });

  it('have a unit test for every recording rule, and for every alert both firing and not firing', () => {
    const tests = ruleTestFiles.flatMap((file) => readYaml<RuleTestFile>(file).tests);
    const expressions = tests.flatMap((test) => test.promql_expr_test ?? []).map((test) => test.expr);
    const alertCases = tests.flatMap((test) => test.alert_rule_test ?? []);
    const untested: string[] = [];
    for (const rule of bundledRules()) {
      if (rule.record !== undefined && !expressions.some((expr) => expr.includes(rule.record!))) untested.push(rule.record);
      if (rule.alert !== undefined) {
        const cases = alertCases.filter((test) => test.alertname === rule.alert);
        if (!cases.some((test) => test.exp_alerts.length > 0)) untested.push(`${rule.alert} firing`);
        if (!cases.some((test) => test.exp_alerts.length === 0)) untested.push(`${rule.alert} not firing`);
      }
    }
    expect(untested).toEqual([]);
  });

  it('keep their unit tests outside prometheus/rules, whose every file the container loads as rules', () => {
    for (const file of ruleFiles) expect(readYaml<{ groups?: unknown }>(file)).toEqual({ groups: expect.any(Array) });
    for (const file of ruleTestFiles) expect(readYaml<RuleTestFile>(file).rule_files.every((rule) => rule.startsWith('../rules/'))).toBe(true);
  });
});

describe('the checks can fail', () => {
  it('promtool check rules rejects a rule whose expression does not parse', () => {
    const broken = path.join(scratch, 'broken.yml');
    writeFileSync(broken, 'groups:\n  - name: broken\n    rules:\n      - record: job:broken:rate5m\n        expr: sum by (job) (rate(http_server_request_duration_count[5m])\n');
    const result = promtool('check', 'rules', broken);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('FAILED');
  });

  it('promtool check config rejects a configuration whose rule file is broken', () => {
    const broken = path.join(scratch, 'broken.yml');
    writeFileSync(broken, 'groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: up ==\n');
    const copy = path.join(scratch, 'prometheus.yml');
    writeFileSync(copy, readFileSync(PROMETHEUS_CONFIG, 'utf8').replaceAll(`${CONTAINER_RULES_DIR}/*.yml`, broken));
    expect(promtool('check', 'config', copy).code).not.toBe(0);
  });

  it('the unit tests fail when an alert threshold changes', () => {
    cpSync(PROMETHEUS_DIR, scratch, { recursive: true });
    const alerts = path.join(scratch, 'rules/spanlens-alerts.yml');
    const original = readFileSync(alerts, 'utf8');
    const changed = original.replace('job_route:http_server_request_duration:p95_5m > 1', 'job_route:http_server_request_duration:p95_5m > 2');
    expect(changed).not.toEqual(original);
    writeFileSync(alerts, changed);

    const result = promtool('test', 'rules', ...ruleTestFiles.map((file) => path.join(scratch, 'tests', path.basename(file))));

    expect(result.code).not.toBe(0);
    expect(result.output).toContain('alertname: SpanlensSlowRouteP95');
  });
});
