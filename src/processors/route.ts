import type { Attributes } from '@opentelemetry/api';
import { escapeControlCharacters } from '../control-characters.js';
import { templatePathSegments } from '../id-patterns.js';

/** `/meetings/42/attendees?x=1` → `/meetings/{id}/attendees`: a bounded label, never the raw URL. */
export function templatePath(path: string): string {
  const withoutQuery = path.split(/[?#]/, 1)[0] ?? '';
  // Percent-decoding may have brought back escape sequences (%1B): never in a label.
  return escapeControlCharacters(templatePathSegments(withoutQuery)) || '/';
}

/** Requests no route matched: 404s without a framework route, so scanners cannot use up the route budget. */
export const UNMATCHED_ROUTE = 'UNMATCHED';

/** The route of a request's root span: the framework's `http.route`, else a templated path, else the span name. */
export function routeOf(attributes: Attributes, spanName: string): string {
  const route = attributes['http.route'];
  if (typeof route === 'string' && route.length > 0) return route;
  const status = attributes['http.response.status_code'] ?? attributes['http.status_code'];
  if (status === 404) return UNMATCHED_ROUTE;
  const path = attributes['url.path'] ?? attributes['http.target'];
  if (typeof path === 'string' && path.length > 0) return templatePath(path);
  return spanName;
}

export function methodOf(attributes: Attributes): string | undefined {
  const method = attributes['http.request.method'] ?? attributes['http.method'];
  return typeof method === 'string' ? method : undefined;
}
