import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Context, ROOT_CONTEXT, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { parse as parseYaml } from 'yaml';
import { REQUEST_ATTRIBUTES } from '../../src/processors/request-attributes';
import { RequestStatisticsProcessor } from '../../src/processors/request-statistics-processor';
import { REPO_ROOT } from '../e2e/helpers/app-process';

// collector/otelcol-config.yaml cannot be run here (no collector binary, no Docker engine): these
// checks are structural, plus proof that the attributes its sampling policies key on are the ones
// spanlens writes.

const CONFIG_FILE = path.join(REPO_ROOT, 'collector/otelcol-config.yaml');

type Components = Record<string, Record<string, unknown> | null>;

interface Pipeline {
  receivers: string[];
  processors?: string[];
  exporters: string[];
}

interface CollectorConfig {
  extensions: Components;
  receivers: Components;
  processors: Components;
  exporters: Components;
  connectors?: Components;
  service: { extensions?: string[]; pipelines: Record<string, Pipeline> };
}

interface Policy {
  name: string;
  type: string;
  numeric_attribute?: { key: string; min_value?: number; max_value?: number };
  boolean_attribute?: { key: string; value: boolean };
  status_code?: { status_codes: string[] };
  probabilistic?: { sampling_percentage: number | string };
}

const configText = readFileSync(CONFIG_FILE, 'utf8');
const config = parseYaml(configText) as CollectorConfig;

/**
 * Component types that the pinned release (0.159.0) still accepts but logs as deprecated aliases:
 * the core exporters were renamed (collector CHANGELOG: "Rename `otlp` exporter to `otlp_grpc`",
 * "Rename `otlphttp` exporter to `otlp_http`").
 */
const DEPRECATED_TYPES: Record<string, string[]> = { exporters: ['otlp', 'otlphttp'] };

const KINDS = ['receivers', 'processors', 'exporters'] as const;
const typeOf = (id: string): string => id.split('/')[0]!;

function variant(change: (copy: CollectorConfig) => void): CollectorConfig {
  const copy = structuredClone(config);
  change(copy);
  return copy;
}

/** Components a pipeline (or the service's extension list) names that are not declared. */
function undeclaredReferences(document: CollectorConfig): string[] {
  const missing: string[] = [];
  for (const [name, pipeline] of Object.entries(document.service.pipelines)) {
    for (const kind of KINDS) {
      for (const id of pipeline[kind] ?? []) {
        if (!(id in (document[kind] ?? {})) && !(id in (document.connectors ?? {}))) missing.push(`${name}: ${kind} ${id}`);
      }
    }
  }
  for (const id of document.service.extensions ?? []) if (!(id in document.extensions)) missing.push(`service: extensions ${id}`);
  return missing;
}

/** Declared components that no pipeline (or the service's extension list) uses. */
function unusedComponents(document: CollectorConfig): string[] {
  const pipelines = Object.values(document.service.pipelines);
  const unused = KINDS.flatMap((kind) =>
    Object.keys(document[kind] ?? {})
      .filter((id) => !pipelines.some((pipeline) => (pipeline[kind] ?? []).includes(id)))
      .map((id) => `${kind} ${id}`),
  );
  const extensions = Object.keys(document.extensions ?? {}).filter((id) => !(document.service.extensions ?? []).includes(id));
  return [...unused, ...extensions.map((id) => `extensions ${id}`)];
}

/** Pipelines that do not start with memory_limiter, or lack a batch after every other processor but exporters' needs. */
function processorOrderProblems(document: CollectorConfig): string[] {
  return Object.entries(document.service.pipelines).flatMap(([name, pipeline]) => {
    const types = (pipeline.processors ?? []).map(typeOf);
    const problems: string[] = [];
    if (types[0] !== 'memory_limiter') problems.push(`${name}: memory_limiter is not first (${types.join(', ')})`);
    // Batching belongs after whatever drops or rewrites data (the batch processor's README).
    if (types.at(-1) !== 'batch') problems.push(`${name}: batch is not the last processor (${types.join(', ')})`);
    return problems;
  });
}

function deprecatedTypes(document: CollectorConfig): string[] {
  return Object.entries(DEPRECATED_TYPES).flatMap(([kind, types]) =>
    Object.keys(document[kind as keyof CollectorConfig] ?? {})
      .filter((id) => types.includes(typeOf(id)))
      .map((id) => `${kind} ${id}`),
  );
}

const policies = (config.processors['tail_sampling'] as { policies: Policy[] }).policies;
const policyOf = (type: string): Policy | undefined => policies.find((policy) => policy.type === type);

describe('collector/otelcol-config.yaml', () => {
  it('references only declared components from its pipelines', () => {
    expect(undeclaredReferences(config)).toEqual([]);
    const broken = variant((copy) => copy.service.pipelines['traces']!.exporters.push('otlp_grpc/tempo'));
    expect(undeclaredReferences(broken)).toEqual(['traces: exporters otlp_grpc/tempo']);
  });

  it('uses every component it declares', () => {
    expect(unusedComponents(config)).toEqual([]);
    const broken = variant((copy) => {
      copy.processors['attributes/unused'] = { actions: [] };
      copy.service.extensions = [];
    });
    expect(unusedComponents(broken)).toEqual(['processors attributes/unused', 'extensions health_check']);
  });

  it('starts every pipeline with memory_limiter and ends its processors with batch', () => {
    expect(Object.keys(config.service.pipelines).sort()).toEqual(['metrics', 'traces']);
    expect(processorOrderProblems(config)).toEqual([]);
    const broken = variant((copy) => copy.service.pipelines['traces']!.processors!.reverse());
    expect(processorOrderProblems(broken)).toEqual([
      'traces: memory_limiter is not first (batch, tail_sampling, memory_limiter)',
      'traces: batch is not the last processor (batch, tail_sampling, memory_limiter)',
    ]);
  });

  it('tail-samples traces and sends them to the OTLP gRPC exporter; turns metrics into a Prometheus endpoint', () => {
    const traces = config.service.pipelines['traces']!;
    expect(traces.processors!.map(typeOf)).toContain('tail_sampling');
    expect(traces.exporters.map(typeOf)).toEqual(['otlp_grpc']);
    expect(config.service.pipelines['metrics']!.exporters.map(typeOf)).toEqual(['prometheus']);
  });

  it('uses the component names of the pinned release, none of its deprecated aliases', () => {
    expect(deprecatedTypes(config)).toEqual([]);
    const broken = variant((copy) => (copy.exporters['otlp/jaeger'] = copy.exporters['otlp_grpc/jaeger']!));
    expect(deprecatedTypes(broken)).toEqual(['exporters otlp/jaeger']);
  });

  it('is written for the collector release that docker-compose.yml runs', () => {
    const compose = parseYaml(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { image?: string }>;
    };
    const image = compose.services['collector']!.image!;
    expect(image).toMatch(/^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/);
    expect(configText).toContain(`contrib distribution\n# ${image.split(':')[1]}`);
  });

  describe('tail sampling', () => {
    it('keeps every trace whose request found an N+1, by the attribute spanlens writes the count to', () => {
      expect(policyOf('numeric_attribute')?.numeric_attribute).toEqual({
        key: REQUEST_ATTRIBUTES.nPlusOneCount,
        min_value: 1,
        max_value: 2147483647,
      });
    });

    it('keeps every trace of a slow request, by the attribute spanlens flags it with', () => {
      expect(policyOf('boolean_attribute')?.boolean_attribute).toEqual({ key: REQUEST_ATTRIBUTES.slow, value: true });
    });

    it('keeps every trace with an error status', () => {
      expect(policyOf('status_code')?.status_code).toEqual({ status_codes: ['ERROR'] });
    });

    it('keeps a configurable share of the rest, 10 % unless SPANLENS_COLLECTOR_SAMPLE_PERCENT says otherwise', () => {
      expect(policyOf('probabilistic')?.probabilistic).toEqual({ sampling_percentage: '${env:SPANLENS_COLLECTOR_SAMPLE_PERCENT:-10}' });
    });

    it('has no other policy (each one that votes to sample keeps the trace)', () => {
      expect(policies.map((policy) => policy.type).sort()).toEqual(['boolean_attribute', 'numeric_attribute', 'probabilistic', 'status_code']);
    });
  });

  describe('the attributes the policies key on are those spanlens writes on a request root span', () => {
    let tracer: Tracer;
    let exporter: InMemorySpanExporter;
    const SLOW_REQUEST_MS = 100;

    beforeEach(() => {
      exporter = new InMemorySpanExporter();
      const processor = new RequestStatisticsProcessor({
        slowQueryThresholdMs: 50,
        slowRequestThresholdMs: SLOW_REQUEST_MS,
        maxRoutes: 10,
        meterProvider: new MeterProvider(),
      });
      tracer = new TracerProvider({ spanProcessors: [processor, new SimpleSpanProcessor({ exporter })] }).getTracer('collector-policies');
    });

    /** A request that runs `queries` times the same lookup, lasting `durationMs`; returns its root span's attributes. */
    function request(queries: number, durationMs: number) {
      const start = Date.now();
      const root = tracer.startSpan(
        'GET',
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/users/7/meetings' }, startTime: start },
        ROOT_CONTEXT,
      );
      const parent: Context = trace.setSpan(ROOT_CONTEXT, root);
      for (let i = 0; i < queries; i++) {
        tracer
          .startSpan(
            'pg.query:SELECT attendees',
            {
              kind: SpanKind.CLIENT,
              attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT user_id FROM attendees WHERE meeting_id = $1' },
              startTime: start + i,
            },
            parent,
          )
          .end(start + i + 1);
      }
      root.end(start + durationMs);
      return exporter.getFinishedSpans().find((span) => span.name === 'GET')!.attributes;
    }

    it('an N+1 request carries an integer count of at least min_value, which numeric_attribute compares', () => {
      const attributes = request(20, 30);
      const count = attributes[policyOf('numeric_attribute')!.numeric_attribute!.key];
      expect(Number.isInteger(count)).toBe(true);
      expect(count).toBeGreaterThanOrEqual(policyOf('numeric_attribute')!.numeric_attribute!.min_value!);
    });

    it('a request without one carries a count below it, so it is not kept for that reason', () => {
      const attributes = request(1, 30);
      expect(attributes[policyOf('numeric_attribute')!.numeric_attribute!.key]).toBe(0);
      expect(attributes[policyOf('boolean_attribute')!.boolean_attribute!.key]).toBe(false);
    });

    it('a slow request carries the boolean the policy matches', () => {
      const attributes = request(1, SLOW_REQUEST_MS + 50);
      expect(attributes[policyOf('boolean_attribute')!.boolean_attribute!.key]).toBe(true);
    });
  });

  describe('listening and naming', () => {
    it('listens on all interfaces, so that other containers reach its receivers, health check and metrics', () => {
      const otlp = config.receivers['otlp'] as { protocols: Record<string, { endpoint: string }> };
      expect(Object.values(otlp.protocols).map((protocol) => protocol.endpoint)).toEqual(['0.0.0.0:4317', '0.0.0.0:4318']);
      expect((config.extensions['health_check'] as { endpoint: string }).endpoint).toBe('0.0.0.0:13133');
      expect((config.exporters['prometheus'] as { endpoint: string }).endpoint).toBe('0.0.0.0:8889');
      expect(configText).toMatch(/prometheus:\n\s+# [^\n]*\n\s+host: 0\.0\.0\.0\n\s+port: 8888/);
    });

    it("writes pushed metrics under spanlens' own Prometheus names: units cleared before the exporter, which adds only _total and histogram suffixes", () => {
      const metrics = config.service.pipelines['metrics']!;
      const transform = metrics.processors!.find((id) => typeOf(id) === 'transform')!;
      expect((config.processors[transform] as { metric_statements: string[] }).metric_statements).toEqual(['set(metric.unit, "")']);
      expect((config.exporters['prometheus'] as { translation_strategy: string }).translation_strategy).toBe('UnderscoreEscapingWithSuffixes');
    });
  });
});
