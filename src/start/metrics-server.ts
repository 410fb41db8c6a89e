import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { diag } from '@opentelemetry/api';
import { warnOnce } from '../diag-once.js';

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/**
 * spanlens' own HTTP server on `OTEL_EXPORTER_PROMETHEUS_HOST:_PORT`: `/metrics` and, later, `/stats`.
 * A port already in use gives one warning; the app keeps running.
 */
export class MetricsServer {
  private readonly server: Server;
  private listening = false;

  constructor(private readonly routes: Record<string, RouteHandler>) {
    this.server = createServer((request, response) => this.handle(request, response));
    // The server must never keep the app alive or delay its exit.
    this.server.unref();
  }

  /** Whether a request arrived on this server (its requests are not traced). */
  owns(request: IncomingMessage): boolean {
    return (request.socket as { server?: unknown } | undefined)?.server === this.server;
  }

  /** `advice` replaces the usual "set OTEL_EXPORTER_PROMETHEUS_PORT to a free port" when the port is taken. */
  listen(host: string, port: number, advice = 'set OTEL_EXPORTER_PROMETHEUS_PORT to a free port.'): Promise<boolean> {
    return new Promise((resolve) => {
      const onError = (error: NodeJS.ErrnoException) => {
        diag.warn(
          `spanlens: cannot serve metrics on ${host}:${port} (${error.code ?? error.message}); ` +
            `${advice} The app keeps running without /metrics.`,
        );
        resolve(false);
      };
      this.server.once('error', onError);
      try {
        // exclusive: in a node:cluster worker, bind the port itself rather than share it round-robin
        // with the other workers (each scrape would then reach a different one).
        this.server.listen({ port, host, exclusive: true }, () => {
          this.server.off('error', onError);
          this.server.on('error', (error) => warnOnce('metrics-server.error', 'metrics server error', error));
          this.listening = true;
          resolve(true);
        });
      } catch (error) {
        // listen() throws at once for an invalid port or host rather than emitting 'error'.
        this.server.off('error', onError);
        onError(error as NodeJS.ErrnoException);
      }
    });
  }

  get port(): number | undefined {
    const address = this.server.address();
    return address !== null && typeof address === 'object' ? address.port : undefined;
  }

  close(): Promise<void> {
    if (!this.listening) return Promise.resolve();
    this.listening = false;
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    const route = this.routes[path];
    if (request.method !== 'GET' || route === undefined) {
      response.statusCode = 404;
      response.end('Not found\n');
      return;
    }
    const fail = (error: unknown): void => {
      warnOnce(`metrics-server${path}`, `${path} failed`, error);
      if (!response.headersSent) response.statusCode = 500;
      response.end();
    };
    try {
      const result = route(request, response);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  }
}
