import { OVERFLOW_LABEL } from '../processors/label-limiter.js';
import { endpointKey } from '../stats/statistics.js';
import type { Snapshot, SnapshotEndpoint } from './snapshot.js';

/** One number in the baseline and now. `change` is after − before; negative means it went down. */
export interface MetricChange {
  before: number;
  after: number;
  change: number;
  /** change / before × 100, or null when before is 0. */
  changePercent: number | null;
}

export interface EndpointComparison {
  method: string | null;
  route: string;
  requests: number;
  baselineRequests: number;
  avgMs: MetricChange;
  p95Ms: MetricChange;
  dbQueriesPerRequest: MetricChange;
}

/**
 * The overall effect on the endpoints present in both snapshots, weighted by the current request counts:
 * `avgMs.before` is what the current traffic would have averaged at the baseline's per-endpoint latency,
 * `avgMs.after` what it did average. Weighting both by the same counts keeps a change in traffic mix
 * from passing for a speed-up. `improvementPercent` = (before − after) / before × 100: positive is faster.
 */
export interface OverallComparison {
  endpoints: number;
  requests: number;
  avgMs: MetricChange;
  dbQueriesPerRequest: MetricChange;
  improvementPercent: number | null;
}

export interface SnapshotComparison {
  /** In the current snapshot's order (total time spent). */
  endpoints: EndpointComparison[];
  onlyInCurrent: number;
  onlyInBaseline: number;
  /** Null when no endpoint is present in both. */
  overall: OverallComparison | null;
}

/**
 * Compares a snapshot with a baseline endpoint by endpoint (same method and route). The overflow
 * endpoint (`OTHER`) is left out: it holds different routes in each snapshot.
 */
export function compareSnapshots(current: Snapshot, baseline: Snapshot): SnapshotComparison {
  const baselineByKey = new Map(baseline.endpoints.filter(isComparable).map((endpoint) => [keyOf(endpoint), endpoint]));
  const endpoints: EndpointComparison[] = [];
  let onlyInCurrent = 0;
  for (const now of current.endpoints.filter(isComparable)) {
    const before = baselineByKey.get(keyOf(now));
    if (before === undefined) {
      onlyInCurrent += 1;
      continue;
    }
    endpoints.push({
      method: now.method,
      route: now.route,
      requests: now.requests,
      baselineRequests: before.requests,
      avgMs: metricChange(before.avgMs, now.avgMs),
      p95Ms: metricChange(before.p95Ms, now.p95Ms),
      dbQueriesPerRequest: metricChange(before.dbQueriesAvg, now.dbQueriesAvg),
    });
  }
  return {
    endpoints,
    onlyInCurrent,
    onlyInBaseline: baselineByKey.size - endpoints.length,
    overall: overallOf(endpoints),
  };
}

export function metricChange(before: number, after: number): MetricChange {
  const change = after - before;
  return { before, after, change, changePercent: before === 0 ? null : (change / before) * 100 };
}

function overallOf(endpoints: EndpointComparison[]): OverallComparison | null {
  const requests = endpoints.reduce((sum, endpoint) => sum + endpoint.requests, 0);
  if (requests === 0) return null;
  const weighted = (pick: (endpoint: EndpointComparison) => number): number =>
    endpoints.reduce((sum, endpoint) => sum + endpoint.requests * pick(endpoint), 0) / requests;
  const avgMs = metricChange(
    weighted((endpoint) => endpoint.avgMs.before),
    weighted((endpoint) => endpoint.avgMs.after),
  );
  return {
    endpoints: endpoints.length,
    requests,
    avgMs,
    dbQueriesPerRequest: metricChange(
      weighted((endpoint) => endpoint.dbQueriesPerRequest.before),
      weighted((endpoint) => endpoint.dbQueriesPerRequest.after),
    ),
    improvementPercent: avgMs.before === 0 ? null : ((avgMs.before - avgMs.after) / avgMs.before) * 100,
  };
}

function isComparable(endpoint: SnapshotEndpoint): boolean {
  return endpoint.route !== OVERFLOW_LABEL;
}

function keyOf(endpoint: SnapshotEndpoint): string {
  return endpointKey(endpoint.method, endpoint.route);
}
