import type { Attributes } from '@opentelemetry/api';

// Path segments that are ids, not names: numbers, UUIDs, long hex strings, and long tokens with digits.
const ID_SEGMENT =
  /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{12,}|(?=[^/]*\d)[A-Za-z0-9_-]{16,})$/i;

/** `/meetings/42/attendees?x=1` → `/meetings/{id}/attendees`: a bounded label, never the raw URL. */
export function templatePath(path: string): string {
  const withoutQuery = path.split(/[?#]/, 1)[0] ?? '';
  const templated = withoutQuery
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? '{id}' : segment))
    .join('/');
  return templated || '/';
}

/** The route of a request's root span: the framework's `http.route`, else a templated path, else the span name. */
export function routeOf(attributes: Attributes, spanName: string): string {
  const route = attributes['http.route'];
  if (typeof route === 'string' && route.length > 0) return route;
  const path = attributes['url.path'] ?? attributes['http.target'];
  if (typeof path === 'string' && path.length > 0) return templatePath(path);
  return spanName;
}

export function methodOf(attributes: Attributes): string | undefined {
  const method = attributes['http.request.method'] ?? attributes['http.method'];
  return typeof method === 'string' ? method : undefined;
}
