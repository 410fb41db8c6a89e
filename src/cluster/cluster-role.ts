import type { ClusterEnvironment } from '../config/config.js';

/** Set by a primary running spanlens in its own environment, which `cluster.fork()` passes to workers. */
export const PRIMARY_PID_VARIABLE = 'SPANLENS_CLUSTER_PRIMARY_PID';

/** How this process takes part in a cluster, decided once at start. */
export type ClusterRole =
  /** A `node:cluster` worker whose primary runs spanlens: it answers the primary, serves no port. */
  | { kind: 'worker' }
  /**
   * Any other process: it serves `/metrics` and `/stats` itself, and if it forks `node:cluster`
   * workers that run spanlens, their totals too. Under PM2 (`NODE_APP_INSTANCE`), instance N serves
   * on the base port + N. `metricsPort` undefined: no port can be served (said in `problem`).
   */
  | { kind: 'server'; metricsPort: number | undefined; appInstance: number | undefined; portAdvice: string | undefined; problem: string | undefined; note: string | undefined };

export interface ProcessFacts {
  /** `cluster.isWorker`. */
  isWorker: boolean;
  parentPid: number;
}

const MAX_PORT = 65535;

/**
 * The role of this process. A worker counts as its primary's only when the primary said so in the
 * environment it forked the worker with (and is this worker's parent): PM2 cluster mode also runs apps
 * as `node:cluster` workers, of PM2's own primary, which never aggregates them.
 */
export function clusterRoleOf(environment: ClusterEnvironment, facts: ProcessFacts, basePort: number): ClusterRole {
  if (facts.isWorker && environment.primaryPid !== undefined && environment.primaryPid === String(facts.parentPid)) {
    return { kind: 'worker' };
  }
  const workerAdvice = facts.isWorker
    ? 'this is a node:cluster worker whose primary does not run spanlens: preload spanlens in the primary too, so that it serves one /metrics for all workers, or under PM2 give each instance its NODE_APP_INSTANCE.'
    : undefined;
  const raw = environment.appInstance;
  if (raw === undefined) return server(basePort, undefined, workerAdvice);
  if (!/^\d+$/.test(raw)) {
    // node-config also reads NODE_APP_INSTANCE, with names as values: not a PM2 instance number.
    return server(basePort, undefined, workerAdvice, `NODE_APP_INSTANCE=${JSON.stringify(raw)} is not a PM2 instance number; metrics stay on port ${basePort}`);
  }
  const instance = Number(raw);
  // Port 0 asks the system for any free port: every instance gets its own anyway.
  const port = basePort === 0 ? 0 : basePort + instance;
  const rule = `PM2 instance NODE_APP_INSTANCE=${instance} serves metrics on OTEL_EXPORTER_PROMETHEUS_PORT (${basePort}) + ${instance}`;
  if (port > MAX_PORT) {
    return {
      kind: 'server',
      metricsPort: undefined,
      appInstance: instance,
      portAdvice: undefined,
      problem: `${rule} = ${port}, past ${MAX_PORT}; set OTEL_EXPORTER_PROMETHEUS_PORT lower. The app keeps running without /metrics.`,
      note: undefined,
    };
  }
  const advice = `${rule} = ${port}: choose a base port followed by one free port per instance.`;
  return { kind: 'server', metricsPort: port, appInstance: instance, portAdvice: advice, problem: undefined, note: undefined };
}

function server(port: number, appInstance: number | undefined, portAdvice: string | undefined, note?: string): ClusterRole {
  return { kind: 'server', metricsPort: port, appInstance, portAdvice, problem: undefined, note };
}
