import { type Context, TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { KeepTraceReason } from '../config/config.js';
import { warnOnce } from '../diag-once.js';
import { type BufferLoss, DEFAULT_KEPT_TRACE_LIMITS, KeptTraceBuffer, type KeptTraceLimits } from './kept-trace-buffer.js';
import { SampledSpanView } from './sampled-span-view.js';
import { isLocalRoot } from './span-kinds.js';
import { traceWorthKeeping } from './trace-worth-keeping.js';

/**
 * Stands in front of the exporting processors so that the traces worth opening reach them even when
 * the head sampler dropped them (`SPANLENS_KEEP_TRACES`). Sampled spans pass straight through. The
 * recorded-only spans of a request are held until its root (the local root, as the statistics
 * processor counts requests) ends; then, if the root says N+1, slow or failed, they and the root go to
 * the exporters, shown as sampled, otherwise they are let go. Must come after the statistics processor,
 * whose attributes on the root it reads.
 */
export class KeptTraceProcessor implements SpanProcessor {
  private readonly buffer: KeptTraceBuffer<ReadableSpan>;
  private readonly worthKeeping: (root: ReadableSpan) => boolean;

  constructor(
    private readonly exporting: readonly SpanProcessor[],
    reasons: readonly KeepTraceReason[],
    limits: KeptTraceLimits = DEFAULT_KEPT_TRACE_LIMITS,
  ) {
    this.worthKeeping = traceWorthKeeping(reasons);
    this.buffer = new KeptTraceBuffer(limits, (loss) => warnOnce(`keepTraces.${loss}`, LOSS_MESSAGES[loss](limits)));
  }

  /** Spans held now for requests still running (for tests). */
  get bufferedSpans(): number {
    return this.buffer.bufferedSpans;
  }

  onStart(span: Span, parentContext: Context): void {
    if (isSampled(span)) {
      for (const processor of this.exporting) processor.onStart(span, parentContext);
      return;
    }
    try {
      if (isLocalRoot(span)) this.buffer.openRequest(span.spanContext().traceId);
    } catch (error) {
      warnOnce('keepTraces.onStart', 'keeping traces failed on a span start', error);
    }
  }

  onEnding(span: Span): void {
    if (!isSampled(span)) return;
    for (const processor of this.exporting) processor.onEnding?.(span);
  }

  onEnd(span: ReadableSpan): void {
    if (isSampled(span)) {
      for (const processor of this.exporting) processor.onEnd(span);
      return;
    }
    try {
      const traceId = span.spanContext().traceId;
      if (!isLocalRoot(span)) {
        if (this.buffer.add(traceId, span)) this.export(span);
      } else if (this.worthKeeping(span)) {
        for (const held of this.buffer.keep(traceId)) this.export(held);
        this.export(span);
      } else if (this.buffer.drop(traceId)) {
        this.export(span);
      }
    } catch (error) {
      warnOnce('keepTraces.onEnd', 'keeping traces failed on a span end', error);
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.exporting.map((processor) => processor.forceFlush()));
  }

  async shutdown(): Promise<void> {
    this.buffer.clear();
    await Promise.all(this.exporting.map((processor) => processor.shutdown()));
  }

  private export(span: ReadableSpan): void {
    const view = new SampledSpanView(span);
    for (const processor of this.exporting) processor.onEnd(view);
  }
}

function isSampled(span: ReadableSpan): boolean {
  return (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
}

const LOSS_MESSAGES: Record<BufferLoss, (limits: KeptTraceLimits) => string> = {
  'trace-full': (limits) =>
    `a request had more than ${limits.maxSpansPerTrace} spans; SPANLENS_KEEP_TRACES holds no more of them, so if its trace is kept its later spans are missing`,
  'buffer-full': (limits) =>
    `more than ${limits.maxSpans} spans held for SPANLENS_KEEP_TRACES; the oldest request's spans were let go, its trace can no longer be kept whole`,
  'too-many-open': (limits) =>
    `more than ${limits.maxOpenTraces} requests held for SPANLENS_KEEP_TRACES; the oldest was let go (are spans left unended?)`,
};
