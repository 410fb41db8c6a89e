import type { LoopStatistics, CacheStatistics, EndpointStatistics, NPlusOneStatistics, SlowQueryStatistics } from '../stats/statistics.js';

/** `T` with the fields `K` also allowed to be null. */
type OrNull<T, K extends keyof T> = Omit<T, K> & { [P in K]: T[P] | null };

/**
 * What `spanlens report` prints, compares and saves: a process's `/stats` (`Statistics`), or a fleet
 * snapshot from Prometheus. The fleet one is the same shape plus `fleet`, with null where the metrics
 * cannot tell: exact extremes, statement fingerprints and text, N+1 repeats and suggestions.
 */
export interface Snapshot {
  service: string;
  /** ISO time the counting began: process start for `/stats`, window start for a fleet. */
  since: string;
  requests: number;
  endpoints: SnapshotEndpoint[];
  cache: CacheStatistics;
  slowQueries: SnapshotSlowQuery[];
  nPlusOne: SnapshotNPlusOne[];
  /** Loops (MN+1) of a process's `/stats`; fleet snapshots have none. */
  loops?: LoopStatistics[];
  /** Only on a fleet snapshot. */
  fleet?: FleetWindow;
}

export type SnapshotEndpoint = OrNull<EndpointStatistics, 'minMs' | 'maxMs' | 'dbQueriesMax'>;
export type SnapshotSlowQuery = OrNull<SlowQueryStatistics, 'fingerprint' | 'avgMs' | 'maxMs'>;
export type SnapshotNPlusOne = OrNull<NPlusOneStatistics, 'fingerprint' | 'repeats' | 'suggestion'>;

/** A scrape target as Prometheus labels it. */
export interface FleetTarget {
  job: string;
  instance: string;
}

/** Where a fleet snapshot came from and how far its numbers can be trusted. */
export interface FleetWindow {
  /** The Prometheus HTTP API's base URL, without credentials, query or fragment. */
  prometheus: string;
  /** The label matchers every query used, `{}` when none. */
  selector: string;
  /** The window as given (`1h`); it ends at `end`. */
  range: string;
  start: string;
  end: string;
  /** Instances that ran in the window (by `target_info`, one series per process). */
  instances: FleetTarget[];
  /** Scrape targets under the selector (`up`); none when the metrics are pushed. */
  scrapeTargets: number;
  /** Targets under the selector whose last scrape in the window failed (`up == 0`): their later requests are missing. */
  down: FleetTarget[];
  /**
   * Instances with counters that were already counting before the window began (or restarted in it):
   * their share is `increase()`, which Prometheus extrapolates to the window's edges. The other
   * instances' counters started inside the window, so their last values are exact totals.
   */
  extrapolated: FleetTarget[];
  /** Finite upper bounds of the request duration buckets the percentiles were interpolated in. */
  requestDurationBucketsMs: number[];
}
