import type { Attributes } from '@opentelemetry/api';

/** Requests no route matched: 404s, and in framework apps anything no route answered (static files, scanners). */
export const UNMATCHED_ROUTE = 'UNMATCHED';

export function methodOf(attributes: Attributes): string | undefined {
  const method = attributes['http.request.method'] ?? attributes['http.method'];
  return typeof method === 'string' ? method : undefined;
}

export function statusOf(attributes: Attributes): number | undefined {
  const status = attributes['http.response.status_code'] ?? attributes['http.status_code'];
  return typeof status === 'number' ? status : undefined;
}

export function pathOf(attributes: Attributes): string | undefined {
  const path = attributes['url.path'] ?? attributes['http.target'];
  return typeof path === 'string' && path.length > 0 ? path : undefined;
}
