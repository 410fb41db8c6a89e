import { ROOT_CONTEXT, type Context, SpanKind, SpanStatusCode, TraceFlags, type Tracer, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
  type SpanProcessor,
  TracerProvider,
  createAlwaysRecordSampler,
} from '@opentelemetry/sdk-trace';
import { KEEP_TRACE_REASONS, type KeepTraceReason } from '../../../src/config/config';
import { DEFAULT_KEPT_TRACE_LIMITS } from '../../../src/processors/kept-trace-buffer';
import { KeptTraceProcessor } from '../../../src/processors/kept-trace-processor';
import { RequestStatisticsProcessor } from '../../../src/processors/request-statistics-processor';
import type { RequestSummary } from '../../../src/processors/request-summary';
import { captureDiagWarnings } from '../helpers/diag-warnings';

interface Harness {
  tracer: Tracer;
  exporter: InMemorySpanExporter;
  keeper: KeptTraceProcessor;
  summaries: RequestSummary[];
}

/** The processors as spanlens wires them: statistics first, then the keeper in front of an exporter. */
function harness(reasons: readonly KeepTraceReason[] = KEEP_TRACE_REASONS, sampler: Sampler = createAlwaysRecordSampler(new AlwaysOffSampler())): Harness {
  const exporter = new InMemorySpanExporter();
  const statistics = new RequestStatisticsProcessor({ slowQueryThresholdMs: 200, slowRequestThresholdMs: 1000, maxRoutes: 10, meterProvider: new MeterProvider() });
  const summaries: RequestSummary[] = [];
  statistics.onRequestEnd((summary) => summaries.push(summary));
  const keeper = new KeptTraceProcessor([new SimpleSpanProcessor({ exporter })], reasons);
  const provider = new TracerProvider({ sampler, spanProcessors: [statistics, keeper] });
  return { tracer: provider.getTracer('test'), exporter, keeper, summaries };
}

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
afterAll(() => context.disable());

interface RequestShape {
  /** Identical lookups under one handler span (5 or more make an N+1). */
  lookups: number;
  durationMs?: number;
  status?: SpanStatusCode;
}

/** A server request: root → handler → `lookups` queries, plus a connection span; returns the root. */
function serve(tracer: Tracer, shape: RequestShape): ReadableSpan {
  const start = Date.now();
  const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/meetings/1' }, startTime: start }, ROOT_CONTEXT);
  const rootContext = trace.setSpan(ROOT_CONTEXT, root);
  const handler = tracer.startSpan('request handler - /meetings/:id', { startTime: start }, rootContext);
  const handlerContext = trace.setSpan(rootContext, handler);
  tracer.startSpan('pg-pool.connect', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' }, startTime: start }, handlerContext).end(start + 1);
  for (let i = 0; i < shape.lookups; i++) query(tracer, handlerContext, 'SELECT user_id FROM attendees WHERE meeting_id = $1', start + 1 + i);
  handler.end(start + shape.lookups + 2);
  if (shape.status !== undefined) root.setStatus({ code: shape.status });
  root.end(start + (shape.durationMs ?? shape.lookups + 3));
  return root as unknown as ReadableSpan;
}

function query(tracer: Tracer, parent: Context, text: string, startMs: number): void {
  tracer
    .startSpan('pg.query:SELECT', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': text }, startTime: startMs }, parent)
    .end(startMs + 1);
}

/** An exporting processor that notes each call it gets, by span name. */
class CallRecordingProcessor implements SpanProcessor {
  readonly calls: string[] = [];
  onStart(span: ReadableSpan): void {
    this.calls.push(`start ${span.name}`);
  }
  onEnding(span: ReadableSpan): void {
    this.calls.push(`ending ${span.name}`);
  }
  onEnd(span: ReadableSpan): void {
    this.calls.push(`end ${span.name}`);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const warnings = captureDiagWarnings();

const idsOf = (spans: readonly ReadableSpan[]) => spans.map((span) => span.spanContext().spanId).sort();

describe('KeptTraceProcessor', () => {
  it('exports every span of an N+1 request the sampler dropped, with its own ids and parent links, the root last', () => {
    const { tracer, exporter, keeper } = harness();
    const root = serve(tracer, { lookups: 6 });
    const exported = exporter.getFinishedSpans();
    // root, handler, connection, six queries
    expect(exported).toHaveLength(9);
    expect(exported.at(-1)!.spanContext().spanId).toBe(root.spanContext().spanId);
    expect(new Set(exported.map((span) => span.spanContext().traceId))).toEqual(new Set([root.spanContext().traceId]));
    const ids = new Set(exported.map((span) => span.spanContext().spanId));
    expect(exported.filter((span) => span !== exported.at(-1)).every((span) => ids.has(span.parentSpanContext!.spanId))).toBe(true);
    expect(exported.at(-1)!.attributes['spanlens.n_plus_one.count']).toBe(1);
    expect(keeper.bufferedSpans).toBe(0);
  });

  it('shows kept spans to the exporter as sampled, and leaves the recorded spans’ own context as the sampler made it', () => {
    const { tracer, exporter } = harness();
    const root = serve(tracer, { lookups: 6 });
    expect(exporter.getFinishedSpans().every((span) => span.spanContext().traceFlags === TraceFlags.SAMPLED)).toBe(true);
    expect(root.spanContext().traceFlags).toBe(TraceFlags.NONE);
  });

  it('exports nothing of a plain request, and holds nothing once it ended', () => {
    const { tracer, exporter, keeper, summaries } = harness();
    serve(tracer, { lookups: 3 });
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(keeper.bufferedSpans).toBe(0);
    expect(summaries).toHaveLength(1);
  });

  it('keeps a slow request and a failed one', () => {
    const { tracer, exporter } = harness();
    const slow = serve(tracer, { lookups: 1, durationMs: 1500 });
    const failed = serve(tracer, { lookups: 1, status: SpanStatusCode.ERROR });
    serve(tracer, { lookups: 1, status: SpanStatusCode.OK });
    const traces = new Set(exporter.getFinishedSpans().map((span) => span.spanContext().traceId));
    expect(traces).toEqual(new Set([slow.spanContext().traceId, failed.spanContext().traceId]));
    expect(exporter.getFinishedSpans()).toHaveLength(8);
  });

  it('keeps only for the reasons asked', () => {
    const { tracer, exporter } = harness(['error']);
    serve(tracer, { lookups: 6 });
    serve(tracer, { lookups: 1, durationMs: 1500 });
    expect(exporter.getFinishedSpans()).toEqual([]);
    const failed = serve(tracer, { lookups: 1, status: SpanStatusCode.ERROR });
    expect(idsOf(exporter.getFinishedSpans())).toHaveLength(4);
    expect(exporter.getFinishedSpans().at(-1)!.spanContext().spanId).toBe(failed.spanContext().spanId);
  });

  it('passes sampled spans straight through, once', () => {
    const { tracer, exporter, keeper } = harness(KEEP_TRACE_REASONS, new AlwaysOnSampler());
    const plain = serve(tracer, { lookups: 3 });
    const nPlusOne = serve(tracer, { lookups: 6 });
    const exported = exporter.getFinishedSpans();
    expect(exported).toHaveLength(6 + 9);
    expect(new Set(idsOf(exported)).size).toBe(15);
    expect(exported.filter((span) => span.spanContext().traceId === plain.spanContext().traceId)).toHaveLength(6);
    expect(exported.filter((span) => span.spanContext().traceId === nPlusOne.spanContext().traceId)).toHaveLength(9);
    expect(keeper.bufferedSpans).toBe(0);
  });

  it('gives the exporting processors every call of a sampled span, and a dropped one’s only if it is kept', () => {
    const recorder = new CallRecordingProcessor();
    const keeper = new KeptTraceProcessor([recorder], KEEP_TRACE_REASONS);
    const sampled = new TracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [keeper] }).getTracer('test');
    sampled.startSpan('sampled', { kind: SpanKind.SERVER }, ROOT_CONTEXT).end();
    expect(recorder.calls).toEqual(['start sampled', 'ending sampled', 'end sampled']);

    recorder.calls.length = 0;
    const dropped = new TracerProvider({ sampler: createAlwaysRecordSampler(new AlwaysOffSampler()), spanProcessors: [keeper] }).getTracer('test');
    dropped.startSpan('plain', { kind: SpanKind.SERVER }, ROOT_CONTEXT).end();
    const failed = dropped.startSpan('failed', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    failed.setStatus({ code: SpanStatusCode.ERROR });
    failed.end();
    // A kept span reaches them only as it ends: they never saw it start, so they get no onEnding either.
    expect(recorder.calls).toEqual(['end failed']);
  });

  it('says once, through diag, when a request has more spans than it holds', () => {
    const exporter = new InMemorySpanExporter();
    const keeper = new KeptTraceProcessor([new SimpleSpanProcessor({ exporter })], KEEP_TRACE_REASONS, { ...DEFAULT_KEPT_TRACE_LIMITS, maxSpansPerTrace: 2 });
    const tracer = new TracerProvider({ sampler: createAlwaysRecordSampler(new AlwaysOffSampler()), spanProcessors: [keeper] }).getTracer('test');
    for (let request = 0; request < 2; request++) {
      const root = tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
      for (let i = 0; i < 4; i++) tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root)).end();
      root.end();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('more than 2 spans');
    expect(warnings[0]).toContain('SPANLENS_KEEP_TRACES');
  });

  it('exports a kept trace’s span that ends after the root', () => {
    const { tracer, exporter } = harness();
    const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET' } }, ROOT_CONTEXT);
    const late = tracer.startSpan('send audit event', {}, trace.setSpan(ROOT_CONTEXT, root));
    root.setStatus({ code: SpanStatusCode.ERROR });
    root.end();
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    late.end();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['GET', 'send audit event']);
  });

  it('does not hold spans that belong to no request (a query at start-up)', () => {
    const { tracer, exporter, keeper } = harness();
    query(tracer, ROOT_CONTEXT, 'SELECT 1', Date.now());
    expect(keeper.bufferedSpans).toBe(0);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('lets held spans go at shutdown and shuts the exporting processors down', async () => {
    const { tracer, exporter, keeper } = harness();
    const root = tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root)).end();
    expect(keeper.bufferedSpans).toBe(1);
    await keeper.shutdown();
    expect(keeper.bufferedSpans).toBe(0);
    root.setStatus({ code: SpanStatusCode.ERROR });
    root.end();
    // The in-memory exporter forgets its spans when shut down, and takes no more.
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
