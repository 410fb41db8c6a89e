import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { PathTemplates } from './path-templates.js';

/** An outgoing HTTP call as N+1 detection groups it: never the raw URL, never its query string. */
export interface HttpClientCall {
  /** `GET`, `POST`, … as the instrumentation recorded it. */
  method: string;
  /** Host (with a port that is not the scheme's default) and templated path: `api.example.com/users/{id}`. */
  target: string;
}

/**
 * The call of an outgoing HTTP client span (instrumentation-http for `http.request`,
 * instrumentation-undici for `fetch`), from the attributes it has when it starts; `undefined` for any
 * other span. `paths` templates the path as spanlens templates routes without a framework.
 */
export function httpClientCallOf(span: ReadableSpan, paths: PathTemplates): HttpClientCall | undefined {
  if (span.kind !== SpanKind.CLIENT) return undefined;
  const attributes = span.attributes;
  const method = attributes['http.request.method'] ?? attributes['http.method'];
  if (typeof method !== 'string' || method.length === 0) return undefined;
  const location = locationOf(attributes['url.full'] ?? attributes['http.url']);
  const host = location?.host ?? hostOf(attributes['server.address'] ?? attributes['net.peer.name'], attributes['server.port'] ?? attributes['net.peer.port']);
  const path = location?.path ?? pathOnly(attributes['url.path'] ?? attributes['http.target']);
  if (host === undefined || path === undefined) return undefined;
  // The app chooses its outgoing URLs (no scanner does): every call may teach which positions vary.
  return { method, target: `${host}${paths.template(path, true)}` };
}

function locationOf(url: unknown): { host: string; path: string } | undefined {
  if (typeof url !== 'string' || url.length === 0) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.host.length > 0 ? { host: parsed.host, path: parsed.pathname } : undefined;
  } catch {
    return undefined;
  }
}

const DEFAULT_PORTS = new Set([80, 443]);

function hostOf(address: unknown, port: unknown): string | undefined {
  if (typeof address !== 'string' || address.length === 0) return undefined;
  return typeof port === 'number' && !DEFAULT_PORTS.has(port) ? `${address}:${port}` : address;
}

function pathOnly(target: unknown): string | undefined {
  if (typeof target !== 'string' || target.length === 0) return undefined;
  return target.split(/[?#]/, 1)[0] || '/';
}
