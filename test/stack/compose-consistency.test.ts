import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../e2e/helpers/app-process';

// The stack's files name each other by compose service, port and path: the collector's exporter names
// Jaeger, Prometheus' scrape targets name the demo and the collector, Grafana's datasources name
// Prometheus and Jaeger. Each name is read from the file that uses it and checked against the file
// that defines it, so that renaming a service or moving a port in one file breaks this test.

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
}

interface Compose {
  services: Record<string, Service>;
}

interface CollectorConfig {
  extensions: Record<string, { endpoint?: string } | null>;
  receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
  exporters: Record<string, { endpoint: string; tls?: { insecure?: boolean } }>;
  service: {
    telemetry: { metrics: { readers: Array<{ pull?: { exporter: { prometheus: { host: string; port: number } } } }> } };
  };
}

interface PrometheusConfig {
  global: { scrape_interval: string };
  rule_files: string[];
  scrape_configs: Array<{ job_name: string; honor_labels?: boolean; static_configs: Array<{ targets: string[] }> }>;
}

interface GrafanaDatasources {
  datasources: Array<{ name: string; type: string; uid: string; url: string; jsonData?: { timeInterval?: string } }>;
}

interface GrafanaDashboardProviders {
  providers: Array<{ type: string; options: { path: string } }>;
}

const readYaml = <T>(relative: string): T => parseYaml(readFileSync(path.join(REPO_ROOT, relative), 'utf8')) as T;

const compose = readYaml<Compose>('docker-compose.yml');
const collector = readYaml<CollectorConfig>('collector/otelcol-config.yaml');
const prometheus = readYaml<PrometheusConfig>('prometheus/prometheus.yml');
const datasources = readYaml<GrafanaDatasources>('grafana/provisioning/datasources/datasources.yml');
const dashboardProviders = readYaml<GrafanaDashboardProviders>('grafana/provisioning/dashboards/spanlens.yml');

/**
 * Ports the stack's third-party images listen on with the configuration compose gives them, which is
 * their own default (each image's documentation): nothing in this repository sets them.
 */
const IMAGE_DEFAULT_PORTS: Record<string, number[]> = {
  postgres: [5432],
  redis: [6379],
  prometheus: [9090],
  grafana: [3000],
  // Jaeger v2's built-in all-in-one configuration: OTLP gRPC and HTTP, health check, UI.
  jaeger: [4317, 4318, 13133, 16686],
};

/** host:port of an endpoint written as `host:port` or as a URL. */
function hostAndPort(endpoint: string): { host: string; port: number } {
  const url = new URL(endpoint.includes('://') ? endpoint : `tcp://${endpoint}`);
  return { host: url.hostname, port: Number(url.port) };
}

/** Ports the collector listens on for other containers (bound to 0.0.0.0), by what listens. */
function collectorPorts(config: CollectorConfig): Record<string, number> {
  const reachable = (endpoint: string | undefined, what: string): Record<string, number> => {
    if (endpoint === undefined) return {};
    const { host, port } = hostAndPort(endpoint);
    return host === '0.0.0.0' ? { [what]: port } : {};
  };
  const telemetry = config.service.telemetry.metrics.readers.find((reader) => reader.pull)?.pull?.exporter.prometheus;
  return {
    ...reachable(config.receivers.otlp.protocols.grpc.endpoint, 'otlpGrpc'),
    ...reachable(config.receivers.otlp.protocols.http.endpoint, 'otlpHttp'),
    ...reachable(config.extensions['health_check']?.endpoint, 'healthCheck'),
    ...reachable(config.exporters['prometheus']?.endpoint, 'prometheusExporter'),
    ...reachable(telemetry && `${telemetry.host}:${telemetry.port}`, 'ownMetrics'),
  };
}

/** Ports the demo app listens on for other containers, from its environment in compose. */
function demoPorts(service: Service): Record<string, number> {
  const env = service.environment ?? {};
  return {
    ...(env['HOST'] === '0.0.0.0' ? { http: Number(env['PORT']) } : {}),
    ...(env['OTEL_EXPORTER_PROMETHEUS_HOST'] === '0.0.0.0' ? { metrics: Number(env['OTEL_EXPORTER_PROMETHEUS_PORT']) } : {}),
  };
}

/** Every port each compose service listens on for the others. */
function listeningPorts(document: Compose, config: CollectorConfig): Record<string, number[]> {
  return Object.fromEntries(
    Object.keys(document.services).map((name) => {
      if (name === 'collector') return [name, Object.values(collectorPorts(config))];
      if (name === 'demo') return [name, Object.values(demoPorts(document.services['demo']!))];
      return [name, IMAGE_DEFAULT_PORTS[name] ?? []];
    }),
  );
}

/** Scrape targets that name no compose service, or a port that service does not listen on. */
function unreachableScrapeTargets(document: Compose, config: CollectorConfig, scrape: PrometheusConfig): string[] {
  const ports = listeningPorts(document, config);
  return scrape.scrape_configs.flatMap((job) =>
    job.static_configs
      .flatMap((group) => group.targets)
      .filter((target) => {
        const { host, port } = hostAndPort(target);
        const service = host === 'localhost' ? 'prometheus' : host;
        return !(ports[service] ?? []).includes(port);
      })
      .map((target) => `${job.job_name}: ${target}`),
  );
}

const jobScraping = (target: string) =>
  prometheus.scrape_configs.find((job) => job.static_configs.some((group) => group.targets.includes(target)));

/** Where compose mounts a repository path in a service's container. */
function mountTarget(service: string, source: string): string | undefined {
  const volume = compose.services[service]?.volumes?.find((entry) => entry.split(':')[0] === source);
  return volume?.split(':')[1];
}

describe('the stack files name each other consistently', () => {
  const collectorListens = collectorPorts(collector);
  const demo = compose.services['demo']!;
  const demoListens = demoPorts(demo);

  it('Prometheus scrapes every target at a port its compose service listens on', () => {
    expect(unreachableScrapeTargets(compose, collector, prometheus)).toEqual([]);
  });

  it('reports a scrape target whose port the collector no longer listens on', () => {
    const target = `collector:${collectorListens['prometheusExporter']}`;
    const moved = structuredClone(collector);
    moved.exporters['prometheus']!.endpoint = '0.0.0.0:9999';
    expect(unreachableScrapeTargets(compose, moved, prometheus)).toEqual([`${jobScraping(target)!.job_name}: ${target}`]);
  });

  it("scrapes the demo's /metrics under a job named after its service, as the dashboards' service variable expects", () => {
    const job = jobScraping(`demo:${demoListens['metrics']}`);
    expect(job?.job_name).toBe(demo.environment!['OTEL_SERVICE_NAME']);
  });

  it("scrapes the collector's Prometheus exporter keeping the job and instance it derives from each pushing app", () => {
    expect(jobScraping(`collector:${collectorListens['prometheusExporter']}`)?.honor_labels).toBe(true);
    expect(jobScraping(`collector:${collectorListens['ownMetrics']}`)).toBeDefined();
  });

  it('loads rule files from the folder compose mounts prometheus/rules at, and each pattern finds one', () => {
    const rulesInContainer = mountTarget('prometheus', './prometheus/rules')!;
    expect(mountTarget('prometheus', './prometheus/prometheus.yml')).toBe('/etc/prometheus/prometheus.yml');
    const ruleFiles = readdirSync(path.join(REPO_ROOT, 'prometheus/rules'));
    for (const pattern of prometheus.rule_files) {
      expect(path.posix.dirname(pattern)).toBe(rulesInContainer);
      const name = new RegExp(`^${path.posix.basename(pattern).replaceAll('.', '\\.').replaceAll('*', '.*')}$`);
      expect(ruleFiles.filter((file) => name.test(file)).length).toBeGreaterThan(0);
    }
  });

  it('sends traces from the collector to Jaeger over OTLP gRPC inside the compose network', () => {
    const toJaeger = Object.entries(collector.exporters).filter(([id]) => id.startsWith('otlp_grpc'));
    expect(toJaeger).toHaveLength(1);
    const [, exporter] = toJaeger[0]!;
    const { host, port } = hostAndPort(exporter.endpoint);
    expect(compose.services[host]?.image).toMatch(/^jaegertracing\/jaeger:/);
    expect(port).toBe(IMAGE_DEFAULT_PORTS['jaeger']![0]);
    expect(exporter.tls?.insecure).toBe(true);
  });

  it("points the demo's OTLP exporter at the collector's OTLP HTTP receiver", () => {
    const endpoint = new URL(demo.environment!['OTEL_EXPORTER_OTLP_ENDPOINT']!);
    expect(endpoint.protocol).toBe('http:');
    expect(endpoint.hostname).toBe('collector');
    // Without OTEL_EXPORTER_OTLP_PROTOCOL the SDK speaks http/protobuf, which the HTTP receiver takes.
    expect(demo.environment!['OTEL_EXPORTER_OTLP_PROTOCOL']).toBeUndefined();
    expect(Number(endpoint.port)).toBe(collectorListens['otlpHttp']);
  });

  it('gives the demo the PostgreSQL database and the Redis that compose runs', () => {
    const database = new URL(demo.environment!['DATABASE_URL']!);
    const postgres = compose.services['postgres']!.environment!;
    expect({ host: database.hostname, port: Number(database.port), name: database.pathname.slice(1), password: database.password }).toEqual({
      host: 'postgres',
      port: IMAGE_DEFAULT_PORTS['postgres']![0],
      name: postgres['POSTGRES_DB'],
      password: postgres['POSTGRES_PASSWORD'],
    });
    const redis = new URL(demo.environment!['REDIS_URL']!);
    expect({ host: redis.hostname, port: Number(redis.port) }).toEqual({ host: 'redis', port: IMAGE_DEFAULT_PORTS['redis']![0] });
  });

  it('drives the load against the port the demo app listens on', () => {
    const target = new URL(compose.services['load']!.environment!['DEMO_URL']!);
    expect({ host: target.hostname, port: Number(target.port) }).toEqual({ host: 'demo', port: demoListens['http'] });
  });

  it('publishes the demo on 8080 and every other port where the service listens on it', () => {
    const published = Object.fromEntries(
      Object.entries(compose.services).map(([name, service]) => [
        name,
        (service.ports ?? []).map((mapping) => {
          const [host, container] = mapping.split(':').map(Number) as [number, number];
          return { host, container, listening: listeningPorts(compose, collector)[name]!.includes(container) };
        }),
      ]),
    );
    expect(published['demo']).toContainEqual({ host: 8080, container: demoListens['http'], listening: true });
    for (const mappings of Object.values(published)) {
      for (const mapping of mappings) expect(mapping).toEqual({ ...mapping, listening: true });
    }
  });

  it('gives the collector its config at the path its command names, and every variable the config reads', () => {
    const service = compose.services['collector']!;
    const configPath = service.command!.map((argument) => /^--config=(.+)$/.exec(argument)?.[1]).find(Boolean);
    expect(mountTarget('collector', './collector/otelcol-config.yaml')).toBe(configPath);
    const text = readFileSync(path.join(REPO_ROOT, 'collector/otelcol-config.yaml'), 'utf8');
    const variables = [...text.matchAll(/\$\{env:([A-Z0-9_]+)/g)].map((match) => match[1]);
    expect(variables.length).toBeGreaterThan(0);
    for (const variable of variables) expect(Object.keys(service.environment ?? {})).toContain(variable);
  });

  it("provisions Grafana's datasources with the fixed uids, at ports Prometheus and Jaeger listen on", () => {
    const ports = listeningPorts(compose, collector);
    const byUid = Object.fromEntries(datasources.datasources.map((source) => [source.uid, source]));
    expect(Object.keys(byUid).sort()).toEqual(['jaeger', 'prometheus']);
    expect(byUid['prometheus']!.type).toBe('prometheus');
    expect(byUid['jaeger']!.type).toBe('jaeger');
    for (const source of datasources.datasources) {
      const { host, port } = hostAndPort(source.url);
      expect({ uid: source.uid, service: host, listening: (ports[host] ?? []).includes(port) }).toEqual({
        uid: source.uid,
        service: source.uid,
        listening: true,
      });
    }
  });

  it("sets Grafana's Prometheus scrape interval to the one Prometheus scrapes at, which $__rate_interval is built on", () => {
    const prometheusSource = datasources.datasources.find((source) => source.uid === 'prometheus')!;
    expect(prometheusSource.jsonData?.timeInterval).toBe(prometheus.global.scrape_interval);
  });

  it('loads the dashboards from the folder compose mounts grafana/dashboards at, and opens on the overview', () => {
    const dashboardsInContainer = mountTarget('grafana', './grafana/dashboards');
    expect(mountTarget('grafana', './grafana/provisioning')).toBe('/etc/grafana/provisioning');
    expect(dashboardProviders.providers.map((provider) => provider.options.path)).toEqual([dashboardsInContainer]);
    const home = compose.services['grafana']!.environment!['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH']!;
    expect(path.posix.dirname(home)).toBe(dashboardsInContainer);
    expect(existsSync(path.join(REPO_ROOT, 'grafana/dashboards', path.posix.basename(home)))).toBe(true);
  });
});
