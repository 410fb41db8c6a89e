import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { MetricsSum, toWire } from '../../../src/cluster/metrics-sum';
import { parseMetrics, sumOf } from '../../e2e/helpers/metrics-text';

/** One process' metrics: a real meter provider read by a real Prometheus reader. */
class ProcessMetrics {
  readonly reader = new PrometheusExporter({ preventServerStart: true });
  readonly provider: MeterProvider;

  constructor(pid: number) {
    this.provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'svc', 'process.pid': pid }), readers: [this.reader] });
  }

  meter(name = 'spanlens', version = '1.0.0') {
    return this.provider.getMeter(name, version);
  }

  /** The scope metrics as they arrive from a worker: through `toWire` and JSON. */
  async overIpc(): Promise<ScopeMetrics[]> {
    const { resourceMetrics } = await this.reader.collect();
    return JSON.parse(JSON.stringify(toWire(resourceMetrics.scopeMetrics))) as ScopeMetrics[];
  }
}

function serialize(sum: MetricsSum, pid = 1): string {
  return new PrometheusSerializer().serialize({ resource: resourceFromAttributes({ 'service.name': 'svc', 'process.pid': pid }), scopeMetrics: sum.scopeMetrics() });
}

describe('MetricsSum (the primary adding up its workers series by series)', () => {
  it('sums counters and histograms whose labels are the same, and keeps other label sets apart', async () => {
    const workers = [new ProcessMetrics(11), new ProcessMetrics(12), new ProcessMetrics(13)];
    workers.forEach((worker, i) => {
      const slow = worker.meter().createCounter('spanlens.request.slow');
      slow.add(i + 1, { 'http.route': '/a' });
      slow.add(10, { 'http.route': `/only-in-${i}` });
      const queries = worker.meter().createHistogram('spanlens.request.db_queries', { advice: { explicitBucketBoundaries: [0, 1, 5, 10] } });
      for (let request = 0; request <= i; request += 1) queries.record(3, { 'http.route': '/a' });
      queries.record(7, { 'http.route': '/a' });
    });
    const sum = new MetricsSum();
    for (const worker of workers) sum.add(await worker.overIpc());
    const samples = parseMetrics(serialize(sum));

    expect(sumOf(samples, 'spanlens_request_slow_total', { http_route: '/a' })).toBe(1 + 2 + 3);
    expect(samples.filter((sample) => sample.name === 'spanlens_request_slow_total' && sample.labels['http_route'] === '/a')).toHaveLength(1);
    for (const i of [0, 1, 2]) expect(sumOf(samples, 'spanlens_request_slow_total', { http_route: `/only-in-${i}` })).toBe(10);
    // Requests: 1 + 2 + 3 of 3 queries, and one of 7 per worker.
    expect(sumOf(samples, 'spanlens_request_db_queries_count', { http_route: '/a' })).toBe(9);
    expect(sumOf(samples, 'spanlens_request_db_queries_sum', { http_route: '/a' })).toBe(6 * 3 + 3 * 7);
    expect(sumOf(samples, 'spanlens_request_db_queries_bucket', { http_route: '/a', le: '5' })).toBe(6);
    expect(sumOf(samples, 'spanlens_request_db_queries_bucket', { http_route: '/a', le: '10' })).toBe(9);
    expect(sumOf(samples, 'spanlens_request_db_queries_bucket', { http_route: '/a', le: '+Inf' })).toBe(9);
  });

  it('writes HELP and TYPE once per metric and target_info once, from the serving process', async () => {
    const workers = [new ProcessMetrics(11), new ProcessMetrics(12)];
    for (const worker of workers) worker.meter().createCounter('spanlens.n_plus_one', { description: 'N+1 findings' }).add(1, { 'http.route': '/a' });
    const sum = new MetricsSum();
    for (const worker of workers) sum.add(await worker.overIpc());
    const text = serialize(sum, 99);
    expect(text.match(/^# HELP spanlens_n_plus_one_total N\+1 findings$/gm)).toHaveLength(1);
    expect(text.match(/^# TYPE spanlens_n_plus_one_total counter$/gm)).toHaveLength(1);
    const targets = parseMetrics(text).filter((sample) => sample.name === 'target_info');
    expect(targets).toHaveLength(1);
    expect(targets[0]!.labels['process_pid']).toBe('99');
  });

  it('keeps the same instrument name of two instrumentation scopes apart, as the exporter labels them', async () => {
    const worker = new ProcessMetrics(11);
    worker.meter('first').createCounter('calls').add(2);
    worker.meter('second').createCounter('calls').add(5);
    const sum = new MetricsSum();
    sum.add(await worker.overIpc());
    sum.add(await worker.overIpc());
    const samples = parseMetrics(serialize(sum));
    expect(sumOf(samples, 'calls_total', { otel_scope_name: 'first' })).toBe(4);
    expect(sumOf(samples, 'calls_total', { otel_scope_name: 'second' })).toBe(10);
  });

  it('sums up-down counters, whose total may go down', async () => {
    const workers = [new ProcessMetrics(11), new ProcessMetrics(12)];
    workers[0]!.meter().createUpDownCounter('db.client.connection.count').add(3, { state: 'idle' });
    workers[1]!.meter().createUpDownCounter('db.client.connection.count').add(-1, { state: 'idle' });
    const sum = new MetricsSum();
    for (const worker of workers) sum.add(await worker.overIpc());
    expect(sumOf(parseMetrics(serialize(sum)), 'db_client_connection_count', { state: 'idle' })).toBe(2);
  });

  it('never changes the metrics it is given, so a remembered answer can be added again', async () => {
    const worker = new ProcessMetrics(11);
    worker.meter().createHistogram('h', { advice: { explicitBucketBoundaries: [1] } }).record(0.5);
    const answer = await worker.overIpc();
    const copy = JSON.parse(JSON.stringify(answer)) as ScopeMetrics[];
    const sum = new MetricsSum();
    sum.add(answer);
    sum.add(answer);
    sum.add(answer);
    expect(answer).toEqual(copy);
    expect(sumOf(parseMetrics(serialize(sum)), 'h_count')).toBe(3);
  });

  it('leaves out a series whose histogram buckets differ instead of adding mismatched buckets', async () => {
    const first = new ProcessMetrics(11);
    const second = new ProcessMetrics(12);
    first.meter().createHistogram('h', { advice: { explicitBucketBoundaries: [1, 2] } }).record(1.5);
    second.meter().createHistogram('h', { advice: { explicitBucketBoundaries: [1, 5] } }).record(1.5);
    const sum = new MetricsSum();
    sum.add(await first.overIpc());
    sum.add(await second.overIpc());
    const samples = parseMetrics(serialize(sum));
    expect(sumOf(samples, 'h_count')).toBe(1);
    expect(sumOf(samples, 'h_bucket', { le: '2' })).toBe(1);
  });
});
