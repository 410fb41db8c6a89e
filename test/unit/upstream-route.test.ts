import type { ServerResponse } from 'node:http';
import { INVALID_SPAN_CONTEXT, context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { RPCType, getRPCMetadata, setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import { RouteLabels } from '../../src/processors/route-labels';
import { labelUpstreamRoute } from '../../src/start/upstream-route';

/** Counts how often a label is worked out, to prove the route getter does not template a path per read. */
class CountingRouteLabels extends RouteLabels {
  calls = 0;
  override ofResponse(frameworkRoute: string | undefined, statusCode: number, url: string | undefined): string {
    this.calls += 1;
    return super.ofResponse(frameworkRoute, statusCode, url);
  }
}

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
afterAll(() => context.disable());

function labelled(routes: RouteLabels, response: { statusCode: number; req: { url: string } }): RPCMetadata {
  const metadata: RPCMetadata = { type: RPCType.HTTP, span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT) };
  context.with(setRPCMetadata(ROOT_CONTEXT, metadata), () => {
    labelUpstreamRoute(response as unknown as ServerResponse, routes);
    expect(getRPCMetadata(context.active())).toBe(metadata);
  });
  return metadata;
}

describe("upstream's route label (instrumentation-http reads metadata.route)", () => {
  it('gives a plain-http request its templated path, working it out once for repeated reads', () => {
    const routes = new CountingRouteLabels(10);
    const metadata = labelled(routes, { statusCode: 200, req: { url: '/meetings/17' } });
    expect(metadata.route !== undefined && metadata.route).toBe('/meetings/{id}');
    expect(metadata.route).toBe('/meetings/{id}');
    expect(routes.calls).toBe(1);
  });

  it('works the label out again when what it depends on changes: status, framework route', () => {
    const routes = new CountingRouteLabels(10);
    const response = { statusCode: 200, req: { url: '/meetings/17' } };
    const metadata = labelled(routes, response);
    expect(metadata.route).toBe('/meetings/{id}');
    response.statusCode = 404;
    expect(metadata.route).toBe('UNMATCHED');
    metadata.route = '/meetings/:id';
    expect(metadata.route).toBe('/meetings/:id');
    expect(metadata.route).toBe('/meetings/:id');
    expect(routes.calls).toBe(3);
  });
});
