import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

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
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
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
 * An OTLP/HTTP trace receiver for the end-to-end tests: decodes `http/json` exports into spans and
 * counts `http/protobuf` ones (whose decoding would need the protobuf schema).
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly protobufExports: number[] = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        if (request.url === '/v1/traces') this.receive(request.headers['content-type'] ?? '', body);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{}');
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  clear(): void {
    this.spans.length = 0;
    this.protobufExports.length = 0;
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
    const payload = JSON.parse(body.toString('utf8')) as {
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
          }>;
        }>;
      }>;
    };
    for (const resourceSpans of payload.resourceSpans ?? []) {
      const serviceName = flatten(resourceSpans.resource?.attributes)['service.name'];
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
            statusCode: span.status?.code ?? 0,
          });
        }
      }
    }
  }
}

/** Server spans (OTLP kind 2) that are local roots. */
export function serverRoots(spans: ReceivedSpan[]): ReceivedSpan[] {
  return spans.filter((span) => span.kind === 2);
}
