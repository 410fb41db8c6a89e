import { type SpanContext, TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/**
 * An ended span that was recorded but not sampled, shown to an exporting processor as sampled: the
 * SDK's processors export only spans whose context says so. Everything else, ids included, is the
 * span's own. Made only for spans of kept traces, never on the path of a dropped one.
 */
export class SampledSpanView implements ReadableSpan {
  private readonly sampledContext: SpanContext;

  constructor(private readonly span: ReadableSpan) {
    const context = span.spanContext();
    this.sampledContext = { ...context, traceFlags: context.traceFlags | TraceFlags.SAMPLED };
  }

  spanContext(): SpanContext {
    return this.sampledContext;
  }

  get name() {
    return this.span.name;
  }
  get kind() {
    return this.span.kind;
  }
  get parentSpanContext() {
    return this.span.parentSpanContext;
  }
  get startTime() {
    return this.span.startTime;
  }
  get endTime() {
    return this.span.endTime;
  }
  get status() {
    return this.span.status;
  }
  get attributes() {
    return this.span.attributes;
  }
  get links() {
    return this.span.links;
  }
  get events() {
    return this.span.events;
  }
  get duration() {
    return this.span.duration;
  }
  get ended() {
    return this.span.ended;
  }
  get resource() {
    return this.span.resource;
  }
  get instrumentationScope() {
    return this.span.instrumentationScope;
  }
  get droppedAttributesCount() {
    return this.span.droppedAttributesCount;
  }
  get droppedEventsCount() {
    return this.span.droppedEventsCount;
  }
  get droppedLinksCount() {
    return this.span.droppedLinksCount;
  }
}
