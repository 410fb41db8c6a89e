import cluster from 'node:cluster';
import type { ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { type SpanlensConfig, readClusterEnvironment } from '../config/config.js';
import type { RouteHandler } from '../start/metrics-server.js';
import type { StatisticsStore } from '../stats/statistics-store.js';
import { PRIMARY_PID_VARIABLE, clusterRoleOf } from './cluster-role.js';
import { ClusterTotals } from './cluster-totals.js';
import { toWire } from './metrics-sum.js';
import { answerPrimary } from './worker-answers.js';

export interface ClusterSources {
  /** This process' own routes: `/stats`, and `/metrics` when the Prometheus exporter is on. */
  routes: Record<string, RouteHandler>;
  statisticsStore: StatisticsStore;
  prometheus: PrometheusExporter | undefined;
  service: string;
}

/** How this process serves metrics, given its place in a cluster. */
export interface ClusterMembership {
  routes: Record<string, RouteHandler>;
  /** The port to serve on; undefined when this process serves none (a worker, whose primary serves). */
  metricsPort: number | undefined;
  /** Said when that port is taken, in place of the usual advice. */
  portAdvice: string | undefined;
  stop(): void;
}

/**
 * Decides how this process serves `/metrics` and `/stats`:
 * - a `node:cluster` worker whose primary runs spanlens serves no port and answers the primary;
 * - any other process serves on `OTEL_EXPORTER_PROMETHEUS_PORT` (+ `NODE_APP_INSTANCE` under PM2),
 *   and as a `node:cluster` primary, once its workers announce themselves, serves their totals.
 */
export function joinCluster(config: SpanlensConfig, sources: ClusterSources): ClusterMembership {
  const role = clusterRoleOf(readClusterEnvironment(), { isWorker: cluster.isWorker, parentPid: process.ppid }, config.metricsPort);
  if (role.kind === 'worker') {
    const { prometheus, statisticsStore } = sources;
    const stop = answerPrimary({
      metrics: prometheus === undefined ? undefined : async () => toWire((await prometheus.collect()).resourceMetrics.scopeMetrics),
      statistics: () => statisticsStore.state(),
    });
    diag.debug('spanlens: node:cluster worker; its primary serves /metrics and /stats for all workers');
    return { routes: {}, metricsPort: undefined, portAdvice: undefined, stop };
  }
  if (role.note !== undefined) diag.info(`spanlens: ${role.note}`);
  if (role.problem !== undefined) diag.warn(`spanlens: ${role.problem}`);
  const served = { metricsPort: role.metricsPort, portAdvice: role.portAdvice };
  if (!cluster.isPrimary) return { routes: sources.routes, ...served, stop: () => undefined };

  // Workers forked from now on inherit this and so know that this primary serves their totals.
  process.env[PRIMARY_PID_VARIABLE] = String(process.pid);
  const totals = new ClusterTotals({
    statisticsStore: sources.statisticsStore,
    prometheus: sources.prometheus,
    service: sources.service,
    maxRoutes: config.maxRoutes,
  });
  totals.attach(cluster);
  return { routes: totalsRoutes(sources, totals), ...served, stop: () => totals.stop() };
}

/** The primary's routes: its own until a spanlens worker announces itself, the cluster's totals after. */
function totalsRoutes(sources: ClusterSources, totals: ClusterTotals): Record<string, RouteHandler> {
  const routes: Record<string, RouteHandler> = { ...sources.routes };
  const ownStats = sources.routes['/stats'];
  if (ownStats !== undefined) {
    routes['/stats'] = async (request, response) => {
      if (!totals.active) return ownStats(request, response);
      respond(response, 'application/json; charset=utf-8', JSON.stringify(await totals.statistics()));
    };
  }
  const ownMetrics = sources.routes['/metrics'];
  const { prometheus } = sources;
  if (ownMetrics !== undefined && prometheus !== undefined) {
    routes['/metrics'] = async (request, response) => {
      if (!totals.active) return ownMetrics(request, response);
      // The same content type as the exporter's own handler.
      respond(response, 'text/plain', await totals.metricsText(prometheus));
    };
  }
  return routes;
}

function respond(response: ServerResponse, contentType: string, body: string): void {
  response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}
