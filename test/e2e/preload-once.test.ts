import path from 'node:path';
import { AppProcess, REPO_ROOT, freePort } from './helpers/app-process';
import { OtlpReceiver, serverRoots } from './helpers/otlp-receiver';

async function receiverEnv(receiver: OtlpReceiver, protocol = 'http/json'): Promise<Record<string, string>> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: await receiver.start(),
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort()),
  };
}

describe('the preload', () => {
  it('starts once when preloaded twice, and not at all in worker threads', async () => {
    const receiver = new OtlpReceiver();
    const app = await AppProcess.start({
      app: 'worker-app.mjs',
      preload: 'import',
      nodeArgs: ['--require', path.join(REPO_ROOT, 'register.cjs')],
      env: await receiverEnv(receiver),
    });
    await fetch(app.url('/'));
    await receiver.waitFor((spans) => serverRoots(spans).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await app.stop();
    await receiver.stop();
    // A second SDK (from the second preload or the worker) would export the span twice and could not bind the metrics port.
    expect(serverRoots(receiver.spans)).toHaveLength(1);
    expect(app.stderr).not.toContain('cannot serve metrics');
    expect(app.stderr).toBe('');
  });

  it('exports OTLP over http/protobuf by default', async () => {
    const receiver = new OtlpReceiver();
    const env = await receiverEnv(receiver);
    delete env['OTEL_EXPORTER_OTLP_PROTOCOL'];
    const app = await AppProcess.start({ app: 'signal-app.mjs', env });
    await fetch(app.url('/'));
    await app.stop();
    await receiver.stop();
    expect(receiver.protobufExports.length).toBeGreaterThan(0);
    expect(receiver.spans).toEqual([]);
  });
});
