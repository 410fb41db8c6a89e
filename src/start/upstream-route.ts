import type { ServerResponse } from 'node:http';
import { context } from '@opentelemetry/api';
import { RPCType, getRPCMetadata } from '@opentelemetry/core';
import type { RouteLabels } from '../processors/route-labels.js';

/**
 * Gives upstream's `http.server.request.duration` (and the server span) spanlens' route label.
 * instrumentation-http reads `route` from the request's RPC metadata when the response closes, and
 * frameworks (express, koa) assign it there when a route matches; a plain `http` app never does, and
 * then the metric had no route at all. Called from the http instrumentation's response hook, inside
 * the request's context: from then on, reading the route yields the label, assigning it sets the
 * framework's route the label is derived from.
 */
export function labelUpstreamRoute(response: ServerResponse, routes: RouteLabels): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type !== RPCType.HTTP) return;
  let frameworkRoute = metadata.route;
  // instrumentation-http reads the route twice (is it set? then its value): the label is worked out once
  // per combination of what it depends on, so a plain-http path is templated once per request.
  let labelled = false;
  let labelledRoute: string | undefined;
  let labelledStatus = 0;
  let labelledUrl: string | undefined;
  let label: string | undefined;
  Object.defineProperty(metadata, 'route', {
    configurable: true,
    enumerable: true,
    get: () => {
      const status = response.statusCode;
      const url = response.req?.url;
      if (labelled && labelledRoute === frameworkRoute && labelledStatus === status && labelledUrl === url) return label;
      try {
        label = routes.ofResponse(frameworkRoute, status, url);
      } catch {
        label = frameworkRoute;
      }
      labelled = true;
      labelledRoute = frameworkRoute;
      labelledStatus = status;
      labelledUrl = url;
      return label;
    },
    set: (route: string | undefined) => {
      frameworkRoute = route;
    },
  });
}
