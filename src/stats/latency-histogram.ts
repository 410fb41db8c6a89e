import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** Durations are recorded in whole microseconds: 1 µs resolution at the low end. */
const MICROS_PER_MS = 1000;

/** One hour; a longer request is recorded as one hour (its exact maximum is kept elsewhere). */
export const HISTOGRAM_HIGHEST_TRACKABLE_MICROS = 3_600_000_000;

/**
 * Two significant digits: every percentile is within 1 % of a recorded value, at an eighth of the
 * memory of three digits (which cost 26 MB for 500 endpoints).
 */
export const HISTOGRAM_SIGNIFICANT_DIGITS = 2;

/**
 * A latency distribution in bounded memory: an HdrHistogram whose size depends on the largest value
 * recorded, never on how many were recorded. It starts small and grows with the largest duration
 * seen, up to one hour (past which values are clamped).
 *
 * The 32-bit plain implementation, not the packed one: percentiles of the packed array take tens of
 * milliseconds each, too slow for a `/stats` snapshot over hundreds of endpoints.
 */
export class LatencyHistogram {
  constructor(
    private readonly histogram: Histogram = build({
      bitBucketSize: 32,
      autoResize: true,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 2,
      numberOfSignificantValueDigits: HISTOGRAM_SIGNIFICANT_DIGITS,
    }),
  ) {}

  /** A distribution encoded by `encode()` (in another process); throws on text that is not one. */
  static decode(encoded: string): LatencyHistogram {
    return new LatencyHistogram(decodeFromCompressedBase64(encoded, 32));
  }

  record(durationMs: number): void {
    const micros = Math.round(durationMs * MICROS_PER_MS);
    this.histogram.recordValue(Math.min(Math.max(micros, 0), HISTOGRAM_HIGHEST_TRACKABLE_MICROS));
  }

  /** The value at `percentile` (0–100) in milliseconds: the highest value equivalent to the recorded one. */
  percentileMs(percentile: number): number {
    return this.histogram.getValueAtPercentile(percentile) / MICROS_PER_MS;
  }

  /** The whole distribution, for another process to `decode` and `add` to its own. */
  encode(): string {
    return encodeIntoCompressedBase64(this.histogram);
  }

  /** Adds another distribution: every percentile becomes what one histogram fed both would give. */
  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
  }

  get estimatedFootprintInBytes(): number {
    return this.histogram.estimatedFootprintInBytes;
  }
}
