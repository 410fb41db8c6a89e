import type { Attributes } from '@opentelemetry/api';
import { escapeControlCharacters } from '../control-characters.js';
import { LabelLimiter } from './label-limiter.js';
import { PathTemplates } from './path-templates.js';
import { UNMATCHED_ROUTE, pathOf, statusOf } from './route.js';

/**
 * The one `http.route` value a request gets everywhere: on spanlens' metrics, on `/stats`, and (through
 * the http instrumentation's RPC metadata) on upstream's `http.server.request.duration` and the server
 * span, so that dashboards can join latency with queries per request route by route.
 *
 * It is the framework's route when one matched. Without one, a framework app's request (a static file,
 * a scanner's probe, a 404) is `UNMATCHED`; a plain `http` app's is its templated path, which only an
 * answered request (status below 400) may add to the `SPANLENS_MAX_ROUTES` budget, so that scanners
 * cannot use it up. Past the budget, new routes count as `OTHER`.
 */
export class RouteLabels {
  private readonly limiter: LabelLimiter;
  private readonly paths = new PathTemplates();
  private frameworkSeen = false;

  constructor(maxRoutes: number) {
    this.limiter = new LabelLimiter(maxRoutes);
  }

  /** The label of a request when its response closes, from what the HTTP server knows of it. */
  ofResponse(frameworkRoute: string | undefined, statusCode: number, url: string | undefined): string {
    if (frameworkRoute !== undefined && frameworkRoute.length > 0) {
      this.frameworkSeen = true;
      return this.limiter.limit(frameworkRoute);
    }
    if (this.frameworkSeen || url === undefined) return UNMATCHED_ROUTE;
    return this.ofPath(url, statusCode);
  }

  /**
   * The label of a request from its root span: the `http.route` there (which `ofResponse` supplied when
   * the http instrumentation ran with spanlens' hook), else derived from status and path.
   */
  ofSpan(attributes: Attributes, spanName: string): string {
    const route = attributes['http.route'];
    if (route === UNMATCHED_ROUTE) return route;
    if (typeof route === 'string' && route.length > 0) return this.limiter.limit(route);
    const path = pathOf(attributes);
    if (path === undefined) return this.limiter.limit(escapeControlCharacters(spanName));
    return this.ofPath(path, statusOf(attributes));
  }

  private ofPath(path: string, statusCode: number | undefined): string {
    if (statusCode === 404) return UNMATCHED_ROUTE;
    const answered = statusCode === undefined || statusCode < 400;
    const template = this.paths.template(path, answered);
    if (answered || this.limiter.has(template)) return this.limiter.limit(template);
    return UNMATCHED_ROUTE;
  }
}
