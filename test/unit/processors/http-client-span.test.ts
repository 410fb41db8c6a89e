import { SpanKind, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { httpClientCallOf } from '../../../src/processors/http-client-span';
import { PathTemplates } from '../../../src/processors/path-templates';

/** A span as instrumentation-http or -undici leaves it when it starts: only kind and attributes are read. */
const clientSpan = (attributes: Attributes, kind: SpanKind = SpanKind.CLIENT): ReadableSpan => ({ kind, attributes }) as unknown as ReadableSpan;
const callOf = (attributes: Attributes, kind?: SpanKind) => httpClientCallOf(clientSpan(attributes, kind), new PathTemplates());

describe('the outgoing HTTP call of a client span, as N+1 detection groups it', () => {
  it('is the method and the host with the templated path of url.full, never its query string', () => {
    expect(callOf({ 'http.request.method': 'GET', 'url.full': 'https://api.example.com/users/1234?token=secret#part' })).toEqual({
      method: 'GET',
      target: 'api.example.com/users/{id}',
    });
  });

  it('reads the older semantic conventions (http.method, http.url) too', () => {
    expect(callOf({ 'http.method': 'POST', 'http.url': 'http://billing:8080/invoices/987/lines' })).toEqual({
      method: 'POST',
      target: 'billing:8080/invoices/{id}/lines',
    });
  });

  it('builds the target from server.address, server.port and url.path when there is no full URL', () => {
    expect(callOf({ 'http.request.method': 'GET', 'server.address': 'inventory', 'server.port': 9000, 'url.path': '/items/55501?fields=all' })).toEqual({
      method: 'GET',
      target: 'inventory:9000/items/{id}',
    });
  });

  it('leaves out the default ports 80 and 443, as a URL does', () => {
    for (const port of [80, 443]) {
      expect(callOf({ 'http.request.method': 'GET', 'server.address': 'inventory', 'server.port': port, 'url.path': '/items' })?.target).toBe('inventory/items');
    }
    expect(callOf({ 'http.request.method': 'GET', 'server.address': 'inventory', 'url.path': '/items' })?.target).toBe('inventory/items');
  });

  it('reads net.peer.name, net.peer.port and http.target of the older conventions', () => {
    expect(callOf({ 'http.method': 'DELETE', 'net.peer.name': 'sessions', 'net.peer.port': 7001, 'http.target': '/sessions/778899#x' })).toEqual({
      method: 'DELETE',
      target: 'sessions:7001/sessions/{id}',
    });
  });

  it('takes a target of only a query string for the root path', () => {
    expect(callOf({ 'http.request.method': 'GET', 'server.address': 'search', 'url.path': '?q=private' })?.target).toBe('search/');
  });

  it('falls back on the address and path when url.full does not parse or names no host', () => {
    const parts = { 'server.address': 'files', 'url.path': '/docs' };
    expect(callOf({ 'http.request.method': 'GET', 'url.full': 'not a url', ...parts })?.target).toBe('files/docs');
    expect(callOf({ 'http.request.method': 'GET', 'url.full': 'file:///etc/hosts', ...parts })?.target).toBe('files/docs');
    expect(callOf({ 'http.request.method': 'GET', 'url.full': '', ...parts })?.target).toBe('files/docs');
  });

  it('is no call for a span that is not a client span, has no method, or has no host or no path', () => {
    const complete = { 'http.request.method': 'GET', 'url.full': 'https://api.example.com/users' };
    expect(callOf(complete, SpanKind.SERVER)).toBeUndefined();
    expect(callOf(complete, SpanKind.INTERNAL)).toBeUndefined();
    expect(callOf({ ...complete, 'http.request.method': '' })).toBeUndefined();
    expect(callOf({ 'url.full': complete['url.full'] })).toBeUndefined();
    expect(callOf({ 'http.request.method': 'GET', 'url.path': '/users' })).toBeUndefined();
    expect(callOf({ 'http.request.method': 'GET', 'server.address': '', 'url.path': '/users' })).toBeUndefined();
    expect(callOf({ 'http.request.method': 'GET', 'server.address': 'api' })).toBeUndefined();
    expect(callOf({ 'http.request.method': 'GET', 'server.address': 'api', 'url.path': '' })).toBeUndefined();
  });
});
