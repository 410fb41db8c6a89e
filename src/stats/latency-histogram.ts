import { decodeBucketCounts, encodeBucketCounts } from './latency-histogram-encoding.js';
import { BUCKETS_PER_DOUBLING, HIGHEST_TRACKABLE_MICROS, MAX_BUCKETS, bucketOf, highestInBucket, lowestInBucket } from './log-linear-buckets.js';

/** Durations are recorded in whole microseconds: 1 µs resolution at the low end. */
const MICROS_PER_MS = 1000;

/** One hour; a longer request is recorded as one hour (its exact maximum is kept elsewhere). */
export const HISTOGRAM_HIGHEST_TRACKABLE_MICROS = HIGHEST_TRACKABLE_MICROS;

/** Two significant digits: every percentile is within 1 % of a recorded value (1/128 in fact). */
export const HISTOGRAM_SIGNIFICANT_DIGITS = 2;

/** 32-bit counts until the histogram holds this many values, then 64-bit floats (exact to 2^53). */
const UINT32_MAX = 0xffff_ffff;

/** The object, its typed array and that array's buffer, beside the counts themselves (measured in V8, rounded up). */
const FIXED_FOOTPRINT_BYTES = 256;

type Counts = Uint32Array | Float64Array;

/**
 * A latency distribution in bounded memory: counts of durations in log-linear buckets (see
 * log-linear-buckets.ts), in an array that grows with the largest duration recorded, never with how many
 * were recorded: at most {@link MAX_BUCKETS} counts, 13 KB, once an hour-long request was seen; a few KB
 * for an endpoint whose requests take milliseconds.
 *
 * Percentiles are exact to the bucket: the highest value of the bucket that holds the requested rank,
 * as HdrHistogram reports them. Histograms of several processes add up bucket by bucket, so a merged
 * histogram is exactly the one a single process fed every duration would hold.
 */
export class LatencyHistogram {
  private counts: Counts;
  private total = 0;

  constructor() {
    this.counts = new Uint32Array(0);
  }

  /**
   * A distribution encoded by `encode()` (in another process); throws a `LatencyHistogramDecodeError`
   * on text that is not one, and never allocates more than a histogram takes.
   */
  static decode(encoded: string): LatencyHistogram {
    const decoded = decodeBucketCounts(encoded);
    const histogram = new LatencyHistogram();
    let total = 0;
    for (const count of decoded) total += count;
    const counts = total > UINT32_MAX ? new Float64Array(capacityFor(decoded.length)) : new Uint32Array(capacityFor(decoded.length));
    counts.set(decoded);
    histogram.counts = counts;
    histogram.total = total;
    return histogram;
  }

  /** Negative and NaN durations count as 0, durations past one hour as one hour. */
  record(durationMs: number): void {
    const micros = Math.round(durationMs * MICROS_PER_MS);
    const bucket = bucketOf(micros > 0 ? Math.min(micros, HIGHEST_TRACKABLE_MICROS) : 0);
    if (bucket >= this.counts.length) this.grow(bucket + 1);
    if (this.total >= UINT32_MAX) this.widen();
    this.counts[bucket]! += 1;
    this.total += 1;
  }

  /** How many durations it holds. */
  get count(): number {
    return this.total;
  }

  /**
   * The value at `percentile` (0–100) in milliseconds: the highest value of the bucket holding that rank
   * (the lowest for percentile 0); 0 when empty.
   */
  percentileMs(percentile: number): number {
    if (this.total === 0) return 0;
    const requested = Math.min(Math.max(Number.isNaN(percentile) ? 0 : percentile, 0), 100);
    // The rank to reach; the tiny reduction keeps float error (0.95 * 100 = 95.00000000000001) from skipping one.
    const exactRank = (requested * this.total) / 100;
    const rank = Math.max(1, Math.ceil(exactRank - exactRank * 1e-12));
    const bucket = rank > this.total / 2 ? this.bucketFromTop(rank) : this.bucketFromBottom(rank);
    return (requested === 0 ? lowestInBucket(bucket) : highestInBucket(bucket)) / MICROS_PER_MS;
  }

  /** The whole distribution, for another process to `decode` and `add` to its own. */
  encode(): string {
    return encodeBucketCounts(this.counts, this.counts.length);
  }

  /** Adds another distribution: every percentile becomes what one histogram fed both would give. */
  add(other: LatencyHistogram): void {
    if (other.total === 0) return;
    if (other.counts.length > this.counts.length) this.grow(other.counts.length);
    if (this.total + other.total > UINT32_MAX) this.widen();
    const counts = this.counts;
    const added = other.counts;
    for (let bucket = 0; bucket < added.length; bucket++) counts[bucket]! += added[bucket]!;
    this.total += other.total;
  }

  get estimatedFootprintInBytes(): number {
    return FIXED_FOOTPRINT_BYTES + this.counts.byteLength;
  }

  /** The bucket holding the `rank`-th smallest duration (1-based), counting up from the smallest. */
  private bucketFromBottom(rank: number): number {
    const counts = this.counts;
    let atOrBelow = 0;
    for (let bucket = 0; bucket < counts.length; bucket++) {
      atOrBelow += counts[bucket]!;
      if (atOrBelow >= rank) return bucket;
    }
    return counts.length - 1;
  }

  /** The same, counting down from the largest: p95 and p99 are found in a few steps instead of thousands. */
  private bucketFromTop(rank: number): number {
    const counts = this.counts;
    let below = this.total;
    for (let bucket = counts.length - 1; bucket > 0; bucket--) {
      below -= counts[bucket]!;
      if (below < rank) return bucket;
    }
    return 0;
  }

  /** Room for `needed` buckets, rounded up to a whole doubling so that a growing maximum reallocates rarely. */
  private grow(needed: number): void {
    const grown = this.counts instanceof Float64Array ? new Float64Array(capacityFor(needed)) : new Uint32Array(capacityFor(needed));
    grown.set(this.counts);
    this.counts = grown;
  }

  /** 32-bit counts would overflow past 4,294,967,295 durations in one bucket: switch to exact 53-bit ones. */
  private widen(): void {
    if (this.counts instanceof Float64Array) return;
    this.counts = Float64Array.from(this.counts);
  }
}

function capacityFor(buckets: number): number {
  return Math.min(MAX_BUCKETS, Math.ceil(buckets / BUCKETS_PER_DOUBLING) * BUCKETS_PER_DOUBLING);
}
