import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of a Prometheus server that counts the PromQL queries passing through it and,
 * when given a required `Authorization` value, refuses others with HTTP 401 as a managed Prometheus does.
 */
export class CountingProxy {
  /** The `query` parameter of every `/api/v1/query` request, in arrival order. */
  readonly queries: string[] = [];
  private server: Server | undefined;

  constructor(
    private readonly upstream: string,
    private readonly requiredAuthorization?: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    const upstream = new URL(this.upstream);
    this.server = createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const body = Buffer.concat(chunks);
        if (this.requiredAuthorization !== undefined && incoming.headers.authorization !== this.requiredAuthorization) {
          outgoing.writeHead(401, { 'content-type': 'application/json' }).end('{"status":"error","error":"unauthorized"}');
          return;
        }
        const url = new URL(incoming.url ?? '/', upstream);
        if (url.pathname === '/api/v1/query') {
          const parameters = incoming.method === 'POST' ? new URLSearchParams(body.toString()) : url.searchParams;
          this.queries.push(parameters.get('query') ?? '');
        }
        const headers = { ...incoming.headers, host: upstream.host };
        delete headers.authorization;
        const proxied = forward(url, { method: incoming.method, headers }, (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        });
        proxied.on('error', () => outgoing.writeHead(502).end());
        proxied.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
