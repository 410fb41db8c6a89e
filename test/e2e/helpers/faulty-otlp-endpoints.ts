import { type Server as HttpServer, createServer as createHttpServer } from 'node:http';
import { type AddressInfo, type Server as TcpServer, type Socket, createServer as createTcpServer } from 'node:net';

/** A TCP endpoint that accepts connections and never answers: a collector behind a black-holing network. */
export class BlackHoleEndpoint {
  private readonly sockets = new Set<Socket>();
  private readonly server: TcpServer = createTcpServer((socket) => {
    this.sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
    // Read and drop what arrives so the sender never sees back-pressure; answer nothing.
    socket.resume();
  });
  connections = 0;

  constructor() {
    this.server.on('connection', () => (this.connections += 1));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * An OTLP/HTTP receiver that answers each export only after `delayMs`: an overloaded collector. It
 * counts the exports and the server spans in them (OTLP/JSON).
 */
export class SlowOtlpReceiver {
  exports = 0;
  serverSpans = 0;
  private readonly server: HttpServer;

  constructor(private readonly delayMs: number) {
    this.server = createHttpServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.exports += 1;
        this.serverSpans += countServerSpans(Buffer.concat(chunks).toString('utf8'));
        setTimeout(() => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('{}');
        }, this.delayMs);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function countServerSpans(json: string): number {
  try {
    const payload = JSON.parse(json) as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ kind?: number }> }> }> };
    let count = 0;
    for (const resourceSpans of payload.resourceSpans ?? []) {
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) count += (scopeSpans.spans ?? []).filter((span) => span.kind === 2).length;
    }
    return count;
  } catch {
    return 0;
  }
}
