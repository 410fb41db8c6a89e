import type { Cluster } from 'node:cluster';
import { type PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { warnOnce } from '../diag-once.js';
import type { StatisticsState } from '../stats/statistics-state.js';
import { StatisticsStore } from '../stats/statistics-store.js';
import type { Statistics, WorkersStatistics } from '../stats/statistics.js';
import { ClusterPrimary, WORKER_ANSWER_TIMEOUT_MS } from './cluster-primary.js';
import type { CollectionKind } from './messages.js';
import { MetricsSum } from './metrics-sum.js';

export interface PrimarySources {
  /** The primary's own statistics (it usually serves no requests, but it may). */
  statisticsStore: StatisticsStore;
  /** The primary's own Prometheus reader; undefined when the exporter is off. */
  prometheus: PrometheusExporter | undefined;
  service: string;
  maxRoutes: number;
}

/**
 * What a `node:cluster` primary serves once its workers run spanlens: the totals of the primary, of
 * every live worker (asked over IPC at each scrape) and of the workers that have exited (their last
 * answer, kept so that counters never go down, which Prometheus would read as a reset).
 *
 * `/stats` stays exact because workers send their latency histograms whole and the primary merges
 * them: percentiles of the union, not an average of percentiles. Workers do nothing per request.
 */
export class ClusterTotals {
  private readonly primary: ClusterPrimary;
  private readonly retiredStatistics: StatisticsStore;
  private readonly retiredMetrics = new MetricsSum();
  // The exporter is built with its default options (src/start/metric-readers.ts); so is this.
  private readonly serializer = new PrometheusSerializer();

  constructor(
    private readonly sources: PrimarySources,
    timeoutMs = WORKER_ANSWER_TIMEOUT_MS,
  ) {
    this.retiredStatistics = new StatisticsStore({ service: sources.service, maxRoutes: sources.maxRoutes });
    this.primary = new ClusterPrimary((kind, data) => this.retire(kind, data), timeoutMs);
  }

  attach(cluster: Cluster): void {
    this.primary.attach(cluster);
  }

  /** Whether a spanlens worker ever announced itself (before that, the primary serves its own totals). */
  get active(): boolean {
    return this.primary.hasWorkers;
  }

  async statistics(): Promise<Statistics> {
    const collection = await this.primary.collect('stats');
    // No await from here on: a worker exiting now would otherwise be counted twice or not at all.
    const own = this.sources.statisticsStore.state();
    const total = new StatisticsStore({ service: this.sources.service, maxRoutes: this.sources.maxRoutes, startedAt: new Date(own.since) });
    total.merge(own);
    total.merge(this.retiredStatistics.state());
    for (const data of collection.data) {
      try {
        total.merge(data as StatisticsState);
      } catch (error) {
        warnOnce('cluster.merge-stats', "could not add a cluster worker's statistics", error);
      }
    }
    return { ...total.snapshot(), workers: collection.workers };
  }

  /** The Prometheus text exposition of the sums, with a comment line on the workers behind them. */
  async metricsText(prometheus: PrometheusExporter): Promise<string> {
    const { resourceMetrics, errors } = await prometheus.collect();
    if (errors.length > 0) warnOnce('cluster.collect', 'metric collection errors', errors[0]);
    try {
      await resourceMetrics.resource.waitForAsyncAttributes?.();
    } catch {
      // Serving metrics matters more than a complete target_info.
    }
    const collection = await this.primary.collect('metrics');
    // No await from here on (see statistics()).
    const sum = new MetricsSum();
    sum.add(resourceMetrics.scopeMetrics);
    sum.add(this.retiredMetrics.scopeMetrics());
    for (const data of collection.data) {
      try {
        sum.add(data as ScopeMetrics[]);
      } catch (error) {
        warnOnce('cluster.merge-metrics', "could not add a cluster worker's metrics", error);
      }
    }
    // The primary's resource only: target_info once, describing the process that serves.
    const text = this.serializer.serialize({ resource: resourceMetrics.resource, scopeMetrics: sum.scopeMetrics() });
    return `${workersComment(collection.workers)}${text}`;
  }

  stop(): void {
    this.primary.stop();
  }

  private retire(kind: CollectionKind, data: unknown): void {
    if (kind === 'stats') this.retiredStatistics.merge(data as StatisticsState);
    else this.retiredMetrics.add(data as ScopeMetrics[]);
  }
}

/** Comment lines (ignored by Prometheus, read by people) saying which workers the sums cover. */
export function workersComment(workers: WorkersStatistics): string {
  const lines = [`# spanlens cluster: sums of the primary and ${workers.answered} of ${workers.live} live workers`];
  for (const missing of workers.missing) {
    const why = missing.reason === 'timeout' ? 'did not answer in time' : missing.reason === 'unreachable' ? 'could not be reached' : 'failed to answer';
    lines.push(`# spanlens cluster: worker pid ${missing.pid} ${why}; ${missing.stale ? 'its last answer is used' : 'it never answered, so it is left out'}`);
  }
  if (workers.exited > 0) lines.push(`# spanlens cluster: ${workers.exited} exited worker(s), their last answered counts kept`);
  return `${lines.join('\n')}\n`;
}
