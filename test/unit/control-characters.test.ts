import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { SpanKind } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { escapeControlCharacters } from '../../src/control-characters';
import { RequestStatisticsProcessor } from '../../src/processors/request-statistics-processor';
import type { RequestSummary } from '../../src/processors/request-summary';
import { RouteLabels } from '../../src/processors/route-labels';

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('escapeControlCharacters', () => {
  it.each([
    ['\u001b[2J', '\\x1B[2J'],
    ['bell\u0007', 'bell\\x07'],
    ['two\nlines\r', 'two\\x0Alines\\x0D'],
    ['tab\there', 'tab\\x09here'],
    ['del\u007f', 'del\\x7F'],
    ['c1 csi \u009b', 'c1 csi \\x9B'],
    ['right-to-left \u202eoverride', 'right-to-left \\u202Eoverride'],
    ['isolate \u2066x\u2069', 'isolate \\u2066x\\u2069'],
    ['line separator \u2028', 'line separator \\u2028'],
  ])('escapes %j as %j', (text, escaped) => {
    expect(escapeControlCharacters(text)).toBe(escaped);
  });

  it('leaves other text, unicode included, as it is', () => {
    const text = '/users/:id — zoë, 東京, emoji 🎉, back\\slash';
    expect(escapeControlCharacters(text)).toBe(text);
  });
});

describe('a URL with escape sequences', () => {
  const path = '/x%1B%5B2J%1B%5D0%3BPWNED%07';

  it('never becomes a route label with control characters', () => {
    const routes = new RouteLabels(10);
    for (const label of [routes.ofSpan({ 'url.path': path, 'http.response.status_code': 200 }, 'GET'), routes.ofResponse(undefined, 200, path)]) {
      expect(label).not.toMatch(CONTROL);
    }
    expect(routes.ofSpan({}, 'GET \u001b[2J')).not.toMatch(CONTROL);
  });

  it('reaches the request summary, /stats and the metrics without them', () => {
    const processor = new RequestStatisticsProcessor({ slowQueryThresholdMs: 200, slowRequestThresholdMs: 1000, maxRoutes: 10, meterProvider: new MeterProvider() });
    const summaries: RequestSummary[] = [];
    processor.onRequestEnd((summary) => summaries.push(summary));
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('test');
    tracer
      .startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': path, 'http.response.status_code': 200 } })
      .end();
    expect(summaries[0]?.route).toEqual(expect.any(String));
    expect(summaries[0]?.route).not.toMatch(CONTROL);
  });
});
