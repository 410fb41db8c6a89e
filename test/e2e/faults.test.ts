import { createServer } from 'node:net';
import { AppProcess, freePort } from './helpers/app-process';
import { OtlpReceiver, serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());

interface Observed {
  status: number;
  contentType: string | null;
  body: string;
}

async function observe(app: AppProcess, paths: string[]): Promise<Observed[]> {
  const observed: Observed[] = [];
  for (const path of paths) {
    const response = await fetch(app.url(path));
    observed.push({ status: response.status, contentType: response.headers.get('content-type'), body: await response.text() });
  }
  return observed;
}

async function isListening(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/metrics`).then(
    () => true,
    () => false,
  );
}

const PATHS = ['/meetings/7', '/health', '/report', '/no-such-page'];

describe('when things around spanlens fail', () => {
  it('answers exactly as the uninstrumented app does while the OTLP endpoint refuses connections, and says so once', async () => {
    const plain = await AppProcess.start({ app: 'http-app.mjs', preload: 'none', env: schema.env() });
    const expected = await observe(plain, PATHS);
    await plain.stop();

    const refusingPort = await freePort();
    const app = await AppProcess.start({
      app: 'http-app.mjs',
      env: {
        ...schema.env(),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${refusingPort}`,
        // The exporter retries until this budget is spent, and the process waits for it on exit.
        OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
        OTEL_BSP_SCHEDULE_DELAY: '50',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort()),
      },
    });
    const first = await observe(app, PATHS);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = await observe(app, PATHS);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await app.stop();

    expect(first).toEqual(expected);
    expect(second).toEqual(expected);
    const refusals = app.stderr.split('\n').filter((line) => line.includes('ECONNREFUSED'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/^spanlens: /);
  });

  it('starts nothing with OTEL_SDK_DISABLED=true', async () => {
    const receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    const metricsPort = await freePort();
    const app = await AppProcess.start({
      app: 'http-app.mjs',
      env: {
        ...schema.env(),
        OTEL_SDK_DISABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '50',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      },
    });
    const [page] = await observe(app, ['/meetings/3']);
    expect(page!.status).toBe(200);
    expect(await isListening(metricsPort)).toBe(false);
    await app.stop();
    expect(receiver.spans).toEqual([]);
    expect(receiver.protobufExports).toEqual([]);

    // The same app and variables, but for OTEL_SDK_DISABLED: spanlens serves and exports, so the
    // silence above is the switch's doing.
    const enabled = await AppProcess.start({
      app: 'http-app.mjs',
      env: {
        ...schema.env(),
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '50',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      },
    });
    await observe(enabled, ['/meetings/3']);
    await receiver.waitFor((received) => serverRoots(received).length === 1);
    expect(await isListening(metricsPort)).toBe(true);
    await enabled.stop();
    await receiver.stop();
  });

  it('warns once per bad variable, naming it, its value and the default, and serves with the defaults', async () => {
    const receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    const app = await AppProcess.start({
      app: 'http-app.mjs',
      env: {
        ...schema.env(),
        SPANLENS_SLOW_QUERY_MS: 'abc',
        SPANLENS_SLOW_REQUEST_MS: '-5',
        SPANLENS_RESPONSE_HEADERS: 'sometimes',
        OTEL_EXPORTER_PROMETHEUS_PORT: '70000',
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
    });
    const [page] = await observe(app, ['/report']);
    expect(page!.status).toBe(200);
    const spans = await receiver.waitFor((received) => serverRoots(received).length === 1);
    // The 250 ms query is slow under the default threshold of 200 ms.
    expect(serverRoots(spans)[0]!.attributes['spanlens.db.slow_query_count']).toBe(1);
    await app.stop();
    await receiver.stop();

    const warnings = app.stderr.split('\n').filter((line) => line.includes('spanlens:'));
    for (const [variable, value, fallback] of [
      ['SPANLENS_SLOW_QUERY_MS', 'abc', '200'],
      ['SPANLENS_SLOW_REQUEST_MS', '-5', '1000'],
      ['SPANLENS_RESPONSE_HEADERS', 'sometimes', 'off'],
      ['OTEL_EXPORTER_PROMETHEUS_PORT', '70000', '9464'],
    ] as const) {
      const about = warnings.filter((line) => line.includes(`${variable}="${value}"`));
      expect(about).toHaveLength(1);
      expect(about[0]).toContain(`default ${fallback}`);
    }
  });

  it('warns once and keeps serving when the metrics port is taken', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    const app = await AppProcess.start({
      app: 'http-app.mjs',
      env: { ...schema.env(), OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_PROMETHEUS_PORT: String(port) },
    });
    const pages = await observe(app, ['/meetings/1', '/health']);
    expect(pages.map((page) => page.status)).toEqual([200, 200]);
    await app.stop();
    blocker.close();
    const warnings = app.stderr.split('\n').filter((line) => line.includes(`cannot serve metrics on 127.0.0.1:${port}`));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('EADDRINUSE');
  });
});

describe('how the process ends', () => {
  it('still dies of SIGTERM when the app has no handler, after flushing its spans', async () => {
    const receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    const app = await AppProcess.start({
      app: 'signal-app.mjs',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Only the flush on SIGTERM can deliver the span before this delay.
        OTEL_BSP_SCHEDULE_DELAY: '60000',
        OTEL_METRICS_EXPORTER: 'none',
      },
    });
    await fetch(app.url('/ping'));
    const { code, signal } = await app.stop();
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
    expect(serverRoots(receiver.spans)).toHaveLength(1);
    await receiver.stop();

    const plain = await AppProcess.start({ app: 'signal-app.mjs', preload: 'none' });
    expect(await plain.stop()).toEqual({ code, signal });
  });

  it.each([
    { preload: 'require' as const, major: '3' },
    { preload: 'import' as const, major: '3' },
    { preload: 'require' as const, major: '4' },
    { preload: 'import' as const, major: '4' },
  ])('still ends an app that relies on signal-exit $major, with its cleanup run (--$preload)', async ({ preload, major }) => {
    const plain = await AppProcess.start({ app: 'signal-exit-app.cjs', preload: 'none', env: { SIGNAL_EXIT_MAJOR: major } });
    const expected = await plain.stop();
    expect(expected).toEqual({ code: null, signal: 'SIGTERM' });
    expect(plain.stdout).toContain('cleanup ran (SIGTERM)');

    const metricsPort = await freePort();
    const app = await AppProcess.start({
      app: 'signal-exit-app.cjs',
      preload,
      env: { SIGNAL_EXIT_MAJOR: major, OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort) },
    });
    // spanlens is running in this app (its metrics answer), so the ending below is spanlens' doing.
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
    expect(await app.stop()).toEqual(expected);
    expect(app.stdout).toContain('cleanup ran (SIGTERM)');
  });

  it("lets the app's own SIGTERM handler decide, and flushes too", async () => {
    const receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    const app = await AppProcess.start({
      app: 'signal-app.mjs',
      env: {
        APP_HANDLES_SIGTERM: '1',
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '60000',
        OTEL_METRICS_EXPORTER: 'none',
      },
    });
    await fetch(app.url('/ping'));
    expect(await app.stop()).toEqual({ code: 7, signal: null });
    expect(app.stdout).toContain('app handled SIGTERM');
    expect(serverRoots(receiver.spans)).toHaveLength(1);
    await receiver.stop();
  });
});
