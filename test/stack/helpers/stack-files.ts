import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../../e2e/helpers/app-process';

export const PROMETHEUS_DIR = path.join(REPO_ROOT, 'prometheus');
export const PROMETHEUS_CONFIG = path.join(PROMETHEUS_DIR, 'prometheus.yml');
export const RULES_DIR = path.join(PROMETHEUS_DIR, 'rules');
export const RULE_TESTS_DIR = path.join(PROMETHEUS_DIR, 'tests');
export const DASHBOARDS_DIR = path.join(REPO_ROOT, 'grafana/dashboards');

/** Where docker-compose.yml mounts prometheus/rules in the Prometheus container. */
export const CONTAINER_RULES_DIR = '/etc/prometheus/rules';

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

export function yamlFilesIn(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .sort()
    .map((name) => path.join(directory, name));
}

export function readYaml<T>(file: string): T {
  return parseYaml(readFileSync(file, 'utf8')) as T;
}

/** Every rule group of the bundled rule files. */
export function bundledRuleGroups(): RuleGroup[] {
  return yamlFilesIn(RULES_DIR).flatMap((file) => readYaml<{ groups: RuleGroup[] }>(file).groups);
}

export function bundledRules(): Rule[] {
  return bundledRuleGroups().flatMap((group) => group.rules);
}
