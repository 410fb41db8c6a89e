import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { DeferredSpanExporter } from '../../../src/start/deferred-span-exporter';

/** Two finished spans to export. */
function finishedSpans(): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  const provider = new TracerProvider({
    spanProcessors: [{ onStart: () => {}, onEnd: (span) => void spans.push(span), forceFlush: async () => {}, shutdown: async () => {} }],
  });
  for (const name of ['first', 'second']) provider.getTracer('test').startSpan(name).end();
  return spans;
}

const exportThrough = (exporter: SpanExporter, spans: ReadableSpan[]) =>
  new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));

describe('DeferredSpanExporter', () => {
  it('loads nothing until it has spans to export, nor to shut down or flush', async () => {
    const load = jest.fn(async () => new InMemorySpanExporter());
    const exporter = new DeferredSpanExporter(load);
    await exporter.forceFlush();
    await exporter.shutdown();
    expect(load).not.toHaveBeenCalled();
  });

  it('loads the real exporter once at the first export, then hands every export to it', async () => {
    const real = new InMemorySpanExporter();
    const load = jest.fn(async () => real);
    const exporter = new DeferredSpanExporter(load);
    const spans = finishedSpans();
    const results = await Promise.all([exportThrough(exporter, spans.slice(0, 1)), exportThrough(exporter, spans.slice(1))]);
    await exportThrough(exporter, spans);
    expect(load).toHaveBeenCalledTimes(1);
    expect(results.map((result) => result.code)).toEqual([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);
    expect(real.getFinishedSpans().map((span) => span.name)).toEqual(['first', 'second', 'first', 'second']);
  });

  it('waits for a load under way to shut the real exporter down, after the export that started it', async () => {
    const events: string[] = [];
    const real: SpanExporter = {
      export: (spans, done) => {
        events.push(`export ${spans.length}`);
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: async () => void events.push('shutdown'),
    };
    const exporter = new DeferredSpanExporter(async () => real);
    const exported = exportThrough(exporter, finishedSpans());
    await exporter.shutdown();
    expect((await exported).code).toBe(ExportResultCode.SUCCESS);
    expect(events).toEqual(['export 2', 'shutdown']);
  });

  it('fails the exports, without throwing, when the real exporter cannot be created', async () => {
    const exporter = new DeferredSpanExporter(async () => undefined);
    const result = await exportThrough(exporter, finishedSpans());
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toContain('no trace exporter');
    await expect(exporter.shutdown()).resolves.toBeUndefined();
  });

  it('fails the exports when loading rejects', async () => {
    const exporter = new DeferredSpanExporter(() => Promise.reject(new Error('module not found')));
    expect((await exportThrough(exporter, finishedSpans())).code).toBe(ExportResultCode.FAILED);
  });
});
