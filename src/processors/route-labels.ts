import type { Attributes } from '@opentelemetry/api';
import { LabelLimiter } from './label-limiter.js';
import { UNMATCHED_ROUTE, routeOf } from './route.js';

/**
 * The one `http.route` value a request gets everywhere: on spanlens' metrics, on `/stats`, and (through
 * the http instrumentation's RPC metadata) on upstream's `http.server.request.duration` and the server
 * span. It is the framework's route, else a templated path, and past `SPANLENS_MAX_ROUTES` distinct
 * values `OTHER`, so that dashboards can join latency with queries per request route by route.
 */
export class RouteLabels {
  private readonly limiter: LabelLimiter;

  constructor(maxRoutes: number) {
    this.limiter = new LabelLimiter(maxRoutes);
  }

  /** The label of a request from its root span's attributes (framework route, status, path). */
  ofSpan(attributes: Attributes, spanName: string): string {
    return this.limiter.limit(routeOf(attributes, spanName));
  }

  /** The label of a request from what the HTTP server knows of it when it answers. */
  ofResponse(frameworkRoute: string | undefined, statusCode: number, url: string | undefined): string {
    return this.ofSpan({ 'http.route': frameworkRoute, 'http.response.status_code': statusCode, 'url.path': url }, UNMATCHED_ROUTE);
  }
}
