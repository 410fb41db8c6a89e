import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/** Creates the real exporter, loading its module; undefined when it cannot (the loader says why). */
export type SpanExporterLoader = () => Promise<SpanExporter | undefined>;

/**
 * A span exporter that loads and creates the real one when it first has spans to send. The OTLP
 * exporters and their transports cost memory and start-up time (gRPC's about 9 MiB and 70 ms here)
 * that a process which never exports (a short script, an idle worker) should not pay, and that an app
 * waiting for its first request should not wait for. The batch processor runs exports outside the
 * request path, so the one-time load delays only the first export.
 */
export class DeferredSpanExporter implements SpanExporter {
  private exporter: SpanExporter | undefined;
  private loading: Promise<SpanExporter | undefined> | undefined;

  constructor(private readonly load: SpanExporterLoader) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.exporter !== undefined) return this.exporter.export(spans, resultCallback);
    void this.loaded().then((exporter) => {
      if (exporter === undefined) resultCallback({ code: ExportResultCode.FAILED, error: new Error('spanlens: no trace exporter; spans are dropped') });
      else exporter.export(spans, resultCallback);
    });
  }

  /** Stops the real exporter, once it is loaded; an exporter never loaded has nothing to stop. */
  async shutdown(): Promise<void> {
    await (await this.loading)?.shutdown();
  }

  async forceFlush(): Promise<void> {
    await (await this.loading)?.forceFlush?.();
  }

  private loaded(): Promise<SpanExporter | undefined> {
    this.loading ??= this.load().then(
      (exporter) => (this.exporter = exporter),
      () => undefined,
    );
    return this.loading;
  }
}
