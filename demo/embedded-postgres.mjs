// The demo's default database: PostgreSQL compiled to WebAssembly (PGlite), served over the PostgreSQL
// wire protocol so that the app's `pg` driver and instrumentation-pg work exactly as with a real server.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** Concurrent client connections the multiplexer accepts (the app's pool uses fewer). */
export const EMBEDDED_MAX_CONNECTIONS = 16;

export async function startEmbeddedPostgres() {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: EMBEDDED_MAX_CONNECTIONS });
  const listening = new Promise((resolve) => server.addEventListener('listening', (event) => resolve(event.detail)));
  await server.start();
  const address = await listening;
  const port = typeof address === 'object' && address !== null && 'port' in address ? address.port : undefined;
  if (typeof port !== 'number') throw new Error(`embedded PostgreSQL did not report its port (${JSON.stringify(address)})`);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
