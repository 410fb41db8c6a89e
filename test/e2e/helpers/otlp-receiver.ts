import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

type ScalarValue = string | number | boolean | undefined;
type AttributeValue = ScalarValue | ScalarValue[];

/** A span as the receiver decoded it from OTLP/JSON, attributes flattened to plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, AttributeValue>;
  events: Array<{ name: string; attributes: Record<string, AttributeValue> }>;
  serviceName: string | undefined;
  /** The attributes of the resource that exported the span. */
  resource: Record<string, AttributeValue>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  /** OTLP span flags: the W3C trace flags in bits 0–7 (1 = sampled), bits 8–9 whether the parent is remote. */
  flags: number | undefined;
}

/** One request as it reached the receiver, whatever its path and encoding. */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** Spans in it, when it was an OTLP/JSON trace export. */
  spanCount: number | undefined;
}

/** One data point of a metric from an OTLP/JSON metrics export: a sum's value, a histogram's count. */
export interface ReceivedDataPoint {
  attributes: Record<string, AttributeValue>;
  value: number;
}

/** One metric of an OTLP/JSON metrics export; temporality 1 is delta, 2 cumulative. */
export interface ReceivedMetric {
  name: string;
  temporality: number | undefined;
  points: ReceivedDataPoint[];
}

/** One OTLP/JSON metrics export. */
export interface ReceivedMetricExport {
  resource: Record<string, AttributeValue>;
  metrics: ReceivedMetric[];
}

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpAnyValue[] };
}

interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

function scalarOf(value: OtlpAnyValue): ScalarValue {
  return value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue;
}

function flatten(attributes: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {};
  for (const { key, value } of attributes ?? []) {
    result[key] = value.arrayValue !== undefined ? (value.arrayValue.values ?? []).map(scalarOf) : scalarOf(value);
  }
  return result;
}

/**
 * An OTLP/HTTP receiver for the end-to-end tests: decodes `http/json` trace and metric exports, counts
 * `http/protobuf` trace exports (whose decoding would need the protobuf schema), records every request's
 * path and headers, and can hold its answers back like a collector that never answers.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly protobufExports: number[] = [];
  /** Each `http/json` export as it arrived: resource, scopes, statuses, everything. */
  readonly jsonExports: string[] = [];
  readonly requests: ReceivedRequest[] = [];
  readonly metricExports: ReceivedMetricExport[] = [];
  private readonly server: Server;
  /** Answers held back while the receiver is paused (a collector that accepts and never answers). */
  private held: Array<() => void> | undefined;

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        let body = Buffer.concat(chunks);
        if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const path = request.url ?? '/';
        const spansBefore = this.spans.length;
        const contentType = request.headers['content-type'] ?? '';
        const json = contentType.includes('json');
        // Protobuf bodies are only counted, and only trace exports (the tests' measure of spans sent).
        if (json || path.endsWith('/v1/traces')) this.receive(contentType, body);
        this.requests.push({ path, headers: request.headers, spanCount: json ? this.spans.length - spansBefore : undefined });
        const answer = (): void => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('{}');
        };
        if (this.held === undefined) answer();
        else this.held.push(answer);
      });
    });
  }

  /** Accepts requests but answers none until `resume()`. */
  pause(): void {
    this.held ??= [];
  }

  resume(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const answer of held) answer();
  }

  /** Requests whose path ends with `suffix` (`/v1/traces`, `/v1/metrics`, `/v1/logs`, a custom path). */
  requestsTo(suffix: string): ReceivedRequest[] {
    return this.requests.filter((request) => request.path.endsWith(suffix));
  }

  /** Waits until `predicate` holds for the receiver (any of what it has received so far). */
  async waitUntil(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${this.requests.length} requests`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.held = undefined;
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  clear(): void {
    this.spans.length = 0;
    this.protobufExports.length = 0;
    this.jsonExports.length = 0;
    this.requests.length = 0;
    this.metricExports.length = 0;
  }

  /** Waits until `predicate` holds for the spans received so far. */
  async waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs = 15_000): Promise<ReceivedSpan[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.spans)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for spans; received ${this.spans.length}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.spans;
  }

  private receive(contentType: string, body: Buffer): void {
    if (!contentType.includes('json')) {
      this.protobufExports.push(body.length);
      return;
    }
    this.jsonExports.push(body.toString('utf8'));
    const payload = JSON.parse(body.toString('utf8')) as {
      resourceMetrics?: OtlpResourceMetrics[];
      resourceSpans?: Array<{
        resource?: { attributes?: OtlpKeyValue[] };
        scopeSpans?: Array<{
          spans?: Array<{
            traceId: string;
            spanId: string;
            parentSpanId?: string;
            name: string;
            kind: number;
            attributes?: OtlpKeyValue[];
            events?: Array<{ name: string; attributes?: OtlpKeyValue[] }>;
            status?: { code?: number };
            flags?: number;
          }>;
        }>;
      }>;
    };
    for (const resourceMetrics of payload.resourceMetrics ?? []) this.metricExports.push(decodeMetrics(resourceMetrics));
    for (const resourceSpans of payload.resourceSpans ?? []) {
      const resource = flatten(resourceSpans.resource?.attributes);
      const serviceName = resource['service.name'];
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            name: span.name,
            kind: span.kind,
            attributes: flatten(span.attributes),
            events: (span.events ?? []).map((event) => ({ name: event.name, attributes: flatten(event.attributes) })),
            serviceName: typeof serviceName === 'string' ? serviceName : undefined,
            resource,
            statusCode: span.status?.code ?? 0,
            flags: span.flags,
          });
        }
      }
    }
  }
}

interface OtlpDataPoint {
  attributes?: OtlpKeyValue[];
  asInt?: string | number;
  asDouble?: number;
  count?: string | number;
}

interface OtlpResourceMetrics {
  resource?: { attributes?: OtlpKeyValue[] };
  scopeMetrics?: Array<{
    metrics?: Array<{
      name: string;
      sum?: { dataPoints?: OtlpDataPoint[]; aggregationTemporality?: number };
      gauge?: { dataPoints?: OtlpDataPoint[] };
      histogram?: { dataPoints?: OtlpDataPoint[]; aggregationTemporality?: number };
    }>;
  }>;
}

function decodeMetrics(resourceMetrics: OtlpResourceMetrics): ReceivedMetricExport {
  const metrics: ReceivedMetric[] = [];
  for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
    for (const metric of scopeMetrics.metrics ?? []) {
      const data = metric.histogram ?? metric.sum ?? metric.gauge;
      metrics.push({
        name: metric.name,
        temporality: (metric.histogram ?? metric.sum)?.aggregationTemporality,
        points: (data?.dataPoints ?? []).map((point) => ({
          attributes: flatten(point.attributes),
          value: Number(point.count ?? point.asInt ?? point.asDouble ?? 0),
        })),
      });
    }
  }
  return { resource: flatten(resourceMetrics.resource?.attributes), metrics };
}

/** The points of one metric across the exports received so far (the last export holds cumulative totals). */
export function metricPoints(exports: ReceivedMetricExport[], name: string): ReceivedDataPoint[] {
  return exports.flatMap((received) => received.metrics.filter((metric) => metric.name === name).flatMap((metric) => metric.points));
}

/** Server spans (OTLP kind 2) that are local roots. */
export function serverRoots(spans: ReceivedSpan[]): ReceivedSpan[] {
  return spans.filter((span) => span.kind === 2);
}
