import { AppProcess, freePort } from './helpers/app-process';
import { listeningSockets } from './helpers/listening-sockets';

describe('where /metrics and /stats listen', () => {
  it.each([
    { host: undefined, address: '127.0.0.1' },
    { host: '0.0.0.0', address: '0.0.0.0' },
    { host: '::1', address: '::1' },
  ])('listens on $address when OTEL_EXPORTER_PROMETHEUS_HOST is $host', async ({ host, address }) => {
    const metricsPort = await freePort();
    const app = await AppProcess.start({
      app: 'ping-app.mjs',
      env: {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
        ...(host === undefined ? {} : { OTEL_EXPORTER_PROMETHEUS_HOST: host }),
      },
    });
    try {
      // The server listens a moment after the app: wait until the kernel lists it.
      const deadline = Date.now() + 10_000;
      while (!listeningSockets(app.child.pid!).some((socket) => socket.port === metricsPort) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(listeningSockets(app.child.pid!).sort((a, b) => a.port - b.port)).toEqual(
        [
          { address: '127.0.0.1', port: app.port },
          { address, port: metricsPort },
        ].sort((a, b) => a.port - b.port),
      );
    } finally {
      await app.stop();
    }
  });
});
