import { clusterRoleOf } from '../../../src/cluster/cluster-role';

const plainProcess = { isWorker: false, parentPid: 100 };
const noVariables = { appInstance: undefined, primaryPid: undefined };

describe('clusterRoleOf', () => {
  it('makes a node:cluster worker of a primary that runs spanlens answer it and serve no port', () => {
    expect(clusterRoleOf({ appInstance: undefined, primaryPid: '100' }, { isWorker: true, parentPid: 100 }, 9464)).toEqual({ kind: 'worker' });
    // PM2 starting a node:cluster app: the app's own primary still aggregates its workers.
    expect(clusterRoleOf({ appInstance: '0', primaryPid: '100' }, { isWorker: true, parentPid: 100 }, 9464)).toEqual({ kind: 'worker' });
  });

  it("does not take a worker of another primary (PM2's daemon) for one of a spanlens primary", () => {
    const role = clusterRoleOf({ appInstance: undefined, primaryPid: '42' }, { isWorker: true, parentPid: 100 }, 9464);
    expect(role).toMatchObject({ kind: 'server', metricsPort: 9464 });
  });

  it('serves on the configured port when nothing says otherwise', () => {
    expect(clusterRoleOf(noVariables, plainProcess, 9464)).toEqual({
      kind: 'server',
      metricsPort: 9464,
      appInstance: undefined,
      portAdvice: undefined,
      problem: undefined,
      note: undefined,
    });
  });

  it('serves PM2 instance N on the base port + N, and says so when that port is taken', () => {
    const role = clusterRoleOf({ appInstance: '3', primaryPid: undefined }, { isWorker: true, parentPid: 7 }, 9464);
    expect(role).toMatchObject({ kind: 'server', metricsPort: 9467, appInstance: 3, problem: undefined });
    expect(role.kind === 'server' && role.portAdvice).toContain('NODE_APP_INSTANCE=3 serves metrics on OTEL_EXPORTER_PROMETHEUS_PORT (9464) + 3 = 9467');
  });

  it('keeps port 0 (any free port) for every instance', () => {
    expect(clusterRoleOf({ appInstance: '2', primaryPid: undefined }, plainProcess, 0)).toMatchObject({ metricsPort: 0, appInstance: 2 });
  });

  it('serves no port, and says why, when base port + instance is past 65535', () => {
    const role = clusterRoleOf({ appInstance: '10', primaryPid: undefined }, plainProcess, 65530);
    expect(role).toMatchObject({ kind: 'server', metricsPort: undefined });
    expect(role.kind === 'server' && role.problem).toContain('65540, past 65535');
  });

  it("ignores a NODE_APP_INSTANCE that is not a number (node-config's instance names) with a note", () => {
    const role = clusterRoleOf({ appInstance: 'eu-1', primaryPid: undefined }, plainProcess, 9464);
    expect(role).toMatchObject({ kind: 'server', metricsPort: 9464, appInstance: undefined });
    expect(role.kind === 'server' && role.note).toContain('NODE_APP_INSTANCE="eu-1" is not a PM2 instance number');
  });

  it('tells a worker of a primary without spanlens how to get one /metrics when its port is taken', () => {
    const role = clusterRoleOf(noVariables, { isWorker: true, parentPid: 7 }, 9464);
    expect(role.kind === 'server' && role.portAdvice).toContain('preload spanlens in the primary too');
  });
});
