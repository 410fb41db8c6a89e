import { AppProcess, freePort } from './helpers/app-process';
import { OtlpReceiver, serverRoots } from './helpers/otlp-receiver';

/** The labels of `target_info` on /metrics, by Prometheus name (`process_pid`). */
function targetInfo(metrics: string): Record<string, string> {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith('target_info{')) ?? '';
  const labels: Record<string, string> = {};
  for (const [, name, value] of line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[name!] = value!;
  return labels;
}

const SECRET = 'hunter2-in-argv';

/** What an app started with a secret on its command line exposes, in target_info and on its spans' resource. */
async function exposedResource(env: Record<string, string>): Promise<{ target: Record<string, string>; resource: Record<string, unknown>; metrics: string }> {
  const receiver = new OtlpReceiver();
  const endpoint = await receiver.start();
  const metricsPort = await freePort();
  const app = await AppProcess.start({
    app: 'ping-app.mjs',
    args: [`--db-password=${SECRET}`],
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      ...env,
    },
  });
  try {
    await fetch(app.url('/ping'));
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const [span] = await receiver.waitFor((spans) => serverRoots(spans).length === 1);
    return { target: targetInfo(metrics), resource: span!.resource, metrics };
  } finally {
    await app.stop();
    await receiver.stop();
  }
}

/** Resource attribute names as target_info labels. */
const label = (attribute: string): string => attribute.replace(/\./g, '_');

describe('the resource: target_info on /metrics and every exported span', () => {
  it.each([
    {
      detectors: undefined,
      exposed: ['service.instance.id', 'process.pid', 'process.runtime.name', 'process.runtime.version', 'process.owner', 'host.name', 'host.arch', 'os.type'],
      // Opt-in in the semantic conventions (a command line can hold secrets), and the machine id,
      // which systemd's machine-id(5) asks never to expose on the network.
      withheld: ['process.command_args', 'process.executable.path', 'host.id'],
    },
    { detectors: 'process', exposed: ['process.pid', 'process.command_args', 'process.executable.path'], withheld: ['host.name', 'host.id', 'os.type', 'service.instance.id'] },
    { detectors: 'host,os', exposed: ['host.name', 'host.id', 'os.type'], withheld: ['process.pid', 'process.command_args', 'service.instance.id'] },
    { detectors: 'env,serviceinstance', exposed: ['deployment.environment.name', 'service.instance.id'], withheld: ['process.pid', 'host.name'] },
    { detectors: 'none', exposed: [], withheld: ['deployment.environment.name', 'service.instance.id', 'process.pid', 'host.name', 'os.type'] },
    { detectors: 'all', exposed: ['deployment.environment.name', 'service.instance.id', 'process.command_args', 'host.id', 'os.type'], withheld: [] },
  ])('OTEL_NODE_RESOURCE_DETECTORS=$detectors exposes $exposed and withholds $withheld', async ({ detectors, exposed, withheld }) => {
    const { target, resource, metrics } = await exposedResource({
      OTEL_SERVICE_NAME: 'resource-test',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
      ...(detectors === undefined ? {} : { OTEL_NODE_RESOURCE_DETECTORS: detectors }),
    });
    expect(target['service_name']).toBe('resource-test');
    expect(resource['service.name']).toBe('resource-test');
    for (const attribute of exposed) {
      expect([attribute, target[label(attribute)]]).toEqual([attribute, expect.any(String)]);
      expect([attribute, resource[attribute]]).toEqual([attribute, expect.anything()]);
    }
    for (const attribute of withheld) {
      expect([attribute, target[label(attribute)]]).toEqual([attribute, undefined]);
      expect([attribute, resource[attribute]]).toEqual([attribute, undefined]);
    }
    const commandLineExposed = exposed.includes('process.command_args');
    expect(metrics.includes(SECRET)).toBe(commandLineExposed);
    expect(JSON.stringify(resource).includes(SECRET)).toBe(commandLineExposed);
  });
});
