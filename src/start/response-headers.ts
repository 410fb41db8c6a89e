import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Span, SpanContext } from '@opentelemetry/api';
import type { ResponseHeadersMode } from '../config/config.js';
import { warnOnce } from '../diag-once.js';
import type { RequestProgress } from '../processors/request-state.js';

type ProgressOf = (rootSpanId: string) => RequestProgress | undefined;

interface RequestStartMessage {
  request: IncomingMessage;
  response: ServerResponse;
}

/**
 * Adds `Server-Timing` (and with `all`, `X-Response-Time-Ms`, `X-Query-Count`, `X-Cache-Hit`) to each
 * traced response, with the request's totals as of the moment its headers are written and its trace's
 * `traceparent`.
 * Installed only when `SPANLENS_RESPONSE_HEADERS` asks for it; otherwise responses are untouched.
 */
export class ResponseHeaders {
  private readonly serverSpans = new WeakMap<IncomingMessage, Span>();

  constructor(
    private readonly mode: Exclude<ResponseHeadersMode, 'off'>,
    private readonly progressOf: ProgressOf,
  ) {}

  /** Remembers the server span of a request (called by the http instrumentation's request hook). */
  rememberServerSpan(span: Span, request: IncomingMessage): void {
    this.serverSpans.set(request, span);
  }

  install(): void {
    // Node publishes every incoming request, with its response, before the app's handler runs.
    subscribe('http.server.request.start', (message) => {
      const { request, response } = message as RequestStartMessage;
      this.wrapWriteHead(request, response);
    });
  }

  private wrapWriteHead(request: IncomingMessage, response: ServerResponse): void {
    const originalWriteHead = response.writeHead;
    const addHeaders = (): void => this.addHeaders(request, response);
    response.writeHead = function writeHeadWithTimings(this: ServerResponse, ...args: unknown[]) {
      addHeaders();
      return (originalWriteHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
  }

  private addHeaders(request: IncomingMessage, response: ServerResponse): void {
    try {
      const span = this.serverSpans.get(request);
      if (span === undefined || response.headersSent) return;
      const progress = this.progressOf(span.spanContext().spanId);
      if (progress === undefined) return;
      appendHeader(response, 'Server-Timing', serverTiming(progress, span.spanContext()));
      if (this.mode !== 'all') return;
      response.setHeader('X-Response-Time-Ms', progress.elapsedMs.toFixed(1));
      response.setHeader('X-Query-Count', String(progress.queryCount));
      const cacheResult = cacheHitHeader(progress);
      if (cacheResult !== undefined) response.setHeader('X-Cache-Hit', cacheResult);
    } catch (error) {
      warnOnce('response-headers', 'could not add response headers', error);
    }
  }
}

function serverTiming(progress: RequestProgress, request: SpanContext): string {
  const queries = progress.queryCount === 1 ? '1 query' : `${progress.queryCount} queries`;
  const parts = [`db;dur=${progress.dbDurationMs.toFixed(1)};desc="${queries}"`];
  if (progress.cacheHits + progress.cacheMisses > 0) {
    parts.push(`cache;desc="${progress.cacheHits} hit, ${progress.cacheMisses} miss"`);
  }
  parts.push(`total;dur=${progress.elapsedMs.toFixed(1)}`);
  // Browser devtools and RUM read the request's trace from here (W3C trace context on responses).
  parts.push(`traceparent;desc="${traceparent(request)}"`);
  return parts.join(', ');
}

/** `00-<trace-id>-<span-id>-<flags>` of the request's server span, as the W3C `traceparent` header writes it. */
function traceparent({ traceId, spanId, traceFlags }: SpanContext): string {
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

function cacheHitHeader(progress: RequestProgress): string | undefined {
  if (progress.cacheHits + progress.cacheMisses === 0) return undefined;
  if (progress.cacheMisses === 0) return 'hit';
  return progress.cacheHits === 0 ? 'miss' : 'partial';
}

function appendHeader(response: ServerResponse, name: string, value: string): void {
  const existing = response.getHeader(name);
  response.setHeader(name, existing === undefined ? value : `${String(existing)}, ${value}`);
}
