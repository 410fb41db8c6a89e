import type { Attributes, HrTime } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import {
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type MetricDescriptor,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { warnOnce } from '../diag-once.js';

/**
 * Metric series of several processes added up, series by series: the same instrument (scope, name,
 * point type) and the same attributes make one series.
 *
 * What is summed: counters and up-down counters (their values), histograms (bucket counts, count and
 * sum; min and max are kept as min and max), and gauges too, as prom-client's cluster aggregator does
 * by default (spanlens and the instrumentations it loads record none). Exponential histograms, which
 * the Prometheus exporter cannot write anyway, and histograms whose buckets differ are left out, said once.
 * The result depends on the number of distinct series, never on how many processes were added.
 */
export class MetricsSum {
  private readonly scopes = new Map<string, SummedScope>();

  /** Adds one process' metrics; the input is not modified. */
  add(scopeMetrics: readonly ScopeMetrics[]): void {
    for (const { scope, metrics } of scopeMetrics) {
      const scopeKey = `${scope.name}\u0000${scope.version ?? ''}\u0000${scope.schemaUrl ?? ''}`;
      let summed = this.scopes.get(scopeKey);
      if (summed === undefined) {
        summed = { scope: { ...scope }, metrics: new Map() };
        this.scopes.set(scopeKey, summed);
      }
      for (const metric of metrics) addMetric(summed, metric);
    }
  }

  /** The sums, in the order instruments were first seen (so the exposition keeps its usual order). */
  scopeMetrics(): ScopeMetrics[] {
    return [...this.scopes.values()].map(({ scope, metrics }) => ({
      scope,
      metrics: [...metrics.values()].map((metric) => ({ ...metric.data, dataPoints: [...metric.points.values()] }) as MetricData),
    }));
  }
}

/**
 * Metrics as sent over the IPC channel: plain JSON, which has no `Infinity` and no `undefined`, so
 * optional numbers that are not finite are dropped here rather than turned into `null` on the way.
 */
export function toWire(scopeMetrics: readonly ScopeMetrics[]): ScopeMetrics[] {
  return scopeMetrics.map(({ scope, metrics }) => ({
    scope: { name: scope.name, ...(scope.version ? { version: scope.version } : {}), ...(scope.schemaUrl ? { schemaUrl: scope.schemaUrl } : {}) },
    metrics: metrics
      .filter((metric) => metric.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM)
      .map((metric) => {
        if (metric.dataPointType !== DataPointType.HISTOGRAM) return metric;
        return { ...metric, dataPoints: metric.dataPoints.map((point) => ({ ...point, value: finiteHistogram(point.value) })) };
      }),
  }));
}

interface SummedScope {
  scope: InstrumentationScope;
  metrics: Map<string, SummedMetric>;
}

/** A point of the sum, which is added to in place (the SDK's own points are read-only). */
type SummedPoint<T> = { -readonly [K in keyof DataPoint<T>]: DataPoint<T>[K] };

interface SummedMetric {
  data: Omit<MetricData, 'dataPoints'>;
  points: Map<string, SummedPoint<number> | SummedPoint<Histogram>>;
}

function addMetric(scope: SummedScope, metric: MetricData): void {
  if (metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) {
    warnOnce('cluster.exponential-histogram', `cannot add up the exponential histogram ${metric.descriptor.name} of cluster workers; it is left out`);
    return;
  }
  const key = `${metric.descriptor.name}\u0000${metric.dataPointType}`;
  let summed = scope.metrics.get(key);
  if (summed === undefined) {
    const { dataPoints: _points, ...data } = metric;
    summed = { data: { ...data, descriptor: copyDescriptor(metric.descriptor) }, points: new Map() };
    scope.metrics.set(key, summed);
  }
  for (const point of metric.dataPoints as DataPoint<number | Histogram>[]) {
    const pointKey = attributesKey(point.attributes);
    const known = summed.points.get(pointKey);
    if (known === undefined) {
      summed.points.set(pointKey, copyPoint(point) as SummedPoint<number> | SummedPoint<Histogram>);
    } else if (typeof known.value === 'number' && typeof point.value === 'number') {
      (known as SummedPoint<number>).value += point.value;
      widenTimes(known, point);
    } else if (typeof known.value === 'object' && typeof point.value === 'object') {
      if (addHistogram(known.value, point.value)) widenTimes(known, point);
      else warnOnce(`cluster.buckets.${metric.descriptor.name}`, `cluster workers disagree on the buckets of ${metric.descriptor.name}; a worker's series is left out`);
    }
  }
}

/** Adds `other` into `into` when their buckets are the same; false (and nothing added) otherwise. */
function addHistogram(into: Histogram, other: Histogram): boolean {
  const a = into.buckets;
  const b = other.buckets;
  if (a.boundaries.length !== b.boundaries.length || a.counts.length !== b.counts.length) return false;
  if (a.boundaries.some((boundary, i) => boundary !== b.boundaries[i])) return false;
  for (let i = 0; i < a.counts.length; i += 1) a.counts[i] = (a.counts[i] ?? 0) + (b.counts[i] ?? 0);
  into.count += other.count;
  if (into.sum !== undefined || other.sum !== undefined) into.sum = (into.sum ?? 0) + (other.sum ?? 0);
  into.min = extreme(Math.min, into.min, other.min);
  into.max = extreme(Math.max, into.max, other.max);
  return true;
}

function extreme(pick: (a: number, b: number) => number, a: number | undefined, b: number | undefined): number | undefined {
  if (typeof a !== 'number') return typeof b === 'number' ? b : undefined;
  return typeof b === 'number' ? pick(a, b) : a;
}

function finiteHistogram(histogram: Histogram): Histogram {
  const { min, max, sum, ...rest } = histogram;
  return {
    ...rest,
    ...(Number.isFinite(sum) ? { sum } : {}),
    ...(Number.isFinite(min) ? { min } : {}),
    ...(Number.isFinite(max) ? { max } : {}),
  };
}

function copyPoint(point: DataPoint<number | Histogram>): SummedPoint<number | Histogram> {
  const value =
    typeof point.value === 'number'
      ? point.value
      : { ...point.value, buckets: { boundaries: [...point.value.buckets.boundaries], counts: [...point.value.buckets.counts] } };
  return { ...point, startTime: copyTime(point.startTime), endTime: copyTime(point.endTime), attributes: { ...point.attributes }, value };
}

function copyDescriptor(descriptor: MetricDescriptor): MetricDescriptor {
  return { ...descriptor };
}

function copyTime(time: HrTime): HrTime {
  return [time[0], time[1]];
}

/** The series' time range becomes the union of both. */
function widenTimes(into: SummedPoint<unknown>, other: DataPoint<unknown>): void {
  if (compareTimes(other.startTime, into.startTime) < 0) into.startTime = copyTime(other.startTime);
  if (compareTimes(other.endTime, into.endTime) > 0) into.endTime = copyTime(other.endTime);
}

function compareTimes(a: HrTime, b: HrTime): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** The identity of a series: its attributes in a canonical order. */
function attributesKey(attributes: Attributes): string {
  return JSON.stringify(Object.keys(attributes).sort().map((key) => [key, attributes[key]]));
}
