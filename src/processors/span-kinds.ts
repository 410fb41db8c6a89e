import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

// Connection spans measure waiting for a pooled connection, not a query the request ran.
const CONNECTION_SPAN_NAMES = new Set(['pg.connect', 'pg-pool.connect']);

/** A span that ran a database operation (not a connection checkout). */
export function isDatabaseQuerySpan(span: ReadableSpan): boolean {
  const attributes = span.attributes;
  const system = attributes['db.system.name'] ?? attributes['db.system'];
  if (system === undefined) return false;
  if (attributes['spanlens.cache.operation'] !== undefined) return false;
  return !CONNECTION_SPAN_NAMES.has(span.name);
}

/**
 * A local root starts a unit of work in this process: it has no parent, or its parent is remote.
 * Client and producer spans with no parent (a query at start-up) are not requests.
 */
export function isLocalRoot(span: ReadableSpan): boolean {
  const parent = span.parentSpanContext;
  if (parent !== undefined && !parent.isRemote) return false;
  return span.kind !== SpanKind.CLIENT && span.kind !== SpanKind.PRODUCER;
}

export function durationMs(span: ReadableSpan): number {
  return span.duration[0] * 1e3 + span.duration[1] / 1e6;
}
