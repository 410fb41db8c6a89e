import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { isConnectionSpanName } from '../detection/index.js';


/** A span that ran a database operation (not a connection checkout). */
export function isDatabaseQuerySpan(span: ReadableSpan): boolean {
  const attributes = span.attributes;
  const system = attributes['db.system.name'] ?? attributes['db.system'];
  if (system === undefined) return false;
  if (attributes['spanlens.cache.operation'] !== undefined) return false;
  return !isConnectionSpanName(span.name);
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
