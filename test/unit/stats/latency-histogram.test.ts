import fc from 'fast-check';
import { HISTOGRAM_HIGHEST_TRACKABLE_MICROS, HISTOGRAM_SIGNIFICANT_DIGITS, LatencyHistogram } from '../../../src/stats/latency-histogram';
import { ENCODING_VERSION, encodeBucketCounts } from '../../../src/stats/latency-histogram-encoding';
import { MAX_BUCKETS, bucketOf, highestInBucket, lowestInBucket } from '../../../src/stats/log-linear-buckets';

/** The relative error the histogram's significant digits allow. */
const PRECISION = 10 ** -HISTOGRAM_SIGNIFICANT_DIGITS;

/** Durations as requests have them: sub-millisecond to an hour, most of them milliseconds. */
const durationMs = fc.oneof(
  fc.integer({ min: 0, max: 2_000 }).map((micros) => micros / 1000),
  fc.double({ min: 0, max: 5_000, noNaN: true }),
  fc.double({ min: 0, max: 3_600_000, noNaN: true }),
);

/** Percentiles in tenths (0.0 … 100.0), so that the oracle's rank is computed in exact integers. */
const percentileTenths = fc.oneof(fc.constantFrom(0, 500, 950, 990, 999, 1000), fc.integer({ min: 0, max: 1000 }));

function feed(durations: readonly number[]): LatencyHistogram {
  const histogram = new LatencyHistogram();
  for (const duration of durations) histogram.record(duration);
  return histogram;
}

/** The exact order statistic, in whole microseconds, that a percentile of these durations names. */
function exactPercentileMicros(durations: readonly number[], tenths: number): number {
  const micros = durations.map((duration) => Math.min(Math.round(duration * 1000), HISTOGRAM_HIGHEST_TRACKABLE_MICROS)).sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((tenths * micros.length) / 1000));
  return micros[rank - 1]!;
}

describe('LatencyHistogram', () => {
  it('resolves sub-millisecond durations within its precision', () => {
    const histogram = new LatencyHistogram();
    histogram.record(0.25);
    histogram.record(0.75);
    expect(Math.abs(histogram.percentileMs(50) - 0.25)).toBeLessThanOrEqual(0.25 * PRECISION);
    expect(Math.abs(histogram.percentileMs(100) - 0.75)).toBeLessThanOrEqual(0.75 * PRECISION);
  });

  it('keeps its significant digits across the range', () => {
    for (const durationMs of [3.3333, 47.123, 999.9, 12_345.678, 1_800_000]) {
      const histogram = new LatencyHistogram();
      histogram.record(durationMs);
      expect(Math.abs(histogram.percentileMs(50) - durationMs) / durationMs).toBeLessThanOrEqual(PRECISION);
    }
  });

  it('reports every percentile within 1 % (+1 µs) of the exact order statistic, never below it', () => {
    fc.assert(
      fc.property(fc.array(durationMs, { minLength: 1, maxLength: 300 }), percentileTenths, (durations, tenths) => {
        const exact = exactPercentileMicros(durations, tenths);
        const reported = Math.round(feed(durations).percentileMs(tenths / 10) * 1000);
        expect(Math.abs(reported - exact)).toBeLessThanOrEqual(exact * PRECISION + 1);
        // The top of the bucket holding the rank (percentile 0 reports its bottom), as HdrHistogram does.
        if (tenths > 0) expect(reported).toBeGreaterThanOrEqual(exact);
      }),
      { numRuns: 500 },
    );
  });

  it('reaches the exact rank where float arithmetic lands just past it (64.4 % of 250 is 161)', () => {
    const durations = Array.from({ length: 250 }, (_, i) => i + 1);
    expect(feed(durations).percentileMs(64.4)).toBe(highestInBucket(bucketOf(161_000)) / 1000);
    expect(exactPercentileMicros(durations, 644)).toBe(161_000);
  });

  it('reports 0 for every percentile while empty', () => {
    const histogram = new LatencyHistogram();
    expect([0, 50, 99, 100].map((p) => histogram.percentileMs(p))).toEqual([0, 0, 0, 0]);
    expect(histogram.count).toBe(0);
  });

  it('reports 0 for every percentile of a decoded histogram whose buckets are all empty, and adds nothing, not even room', () => {
    // As another process could send it: 300 buckets, one run of 300 empty ones.
    const allEmpty = Buffer.from([ENCODING_VERSION, 0xac, 0x02, 0xd7, 0x04]).toString('base64');
    const decoded = LatencyHistogram.decode(allEmpty);
    expect([0, 50, 99, 100].map((p) => decoded.percentileMs(p))).toEqual([0, 0, 0, 0]);
    const histogram = feed([0.005]);
    const footprint = histogram.estimatedFootprintInBytes;
    histogram.add(decoded);
    expect(histogram.estimatedFootprintInBytes).toBe(footprint);
    expect(histogram.encode()).toBe(feed([0.005]).encode());
  });

  it('reports percentile 0 as the lowest value of the lowest bucket, percentile 100 as the highest of the highest', () => {
    const histogram = feed([12.4, 250]);
    expect(histogram.percentileMs(0)).toBe(lowestInBucket(bucketOf(12_400)) / 1000);
    expect(histogram.percentileMs(0)).toBeLessThan(12.4);
    expect(histogram.percentileMs(100)).toBe(highestInBucket(bucketOf(250_000)) / 1000);
  });

  it('records durations past the trackable range at the top of the range instead of throwing', () => {
    const histogram = new LatencyHistogram();
    histogram.record(10 * HISTOGRAM_HIGHEST_TRACKABLE_MICROS);
    histogram.record(-5);
    const highestMs = HISTOGRAM_HIGHEST_TRACKABLE_MICROS / 1000;
    expect(Math.abs(histogram.percentileMs(100) - highestMs) / highestMs).toBeLessThanOrEqual(PRECISION);
    expect(histogram.percentileMs(0)).toBe(0);
  });

  it('clamps infinite durations to one hour and NaN to zero, still counting them', () => {
    const histogram = new LatencyHistogram();
    histogram.record(Number.POSITIVE_INFINITY);
    histogram.record(Number.NaN);
    expect(histogram.count).toBe(2);
    expect(histogram.percentileMs(50)).toBe(0);
    expect(histogram.percentileMs(100)).toBe(highestInBucket(bucketOf(HISTOGRAM_HIGHEST_TRACKABLE_MICROS)) / 1000);
  });

  it('stays within a fixed footprint however many values it records', () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 10_000; i++) histogram.record(i * 0.37);
    const afterTenThousand = histogram.estimatedFootprintInBytes;
    for (let i = 0; i < 200_000; i++) histogram.record((i % 10_000) * 0.37);
    expect(histogram.estimatedFootprintInBytes).toBe(afterTenThousand);
  });

  it('holds a million durations over the whole range in at most 14 KB', () => {
    const histogram = new LatencyHistogram();
    let seed = 7;
    for (let i = 0; i < 1_000_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      // Log-uniform from 1 µs to past an hour.
      histogram.record(10 ** ((seed / 2 ** 31) * 10 - 3));
    }
    expect(histogram.count).toBe(1_000_000);
    expect(histogram.estimatedFootprintInBytes).toBeLessThanOrEqual(14_000);
  });

  it('grows only with the largest duration, to at most about 13 KB', () => {
    const histogram = new LatencyHistogram();
    histogram.record(1);
    const small = histogram.estimatedFootprintInBytes;
    histogram.record(1000);
    expect(histogram.estimatedFootprintInBytes).toBeGreaterThan(small);
    histogram.record(24 * 3_600_000);
    const largest = histogram.estimatedFootprintInBytes;
    expect(largest).toBeLessThanOrEqual(14_000);
    histogram.record(1e12);
    expect(histogram.estimatedFootprintInBytes).toBe(largest);
  });

  it('merges exactly: a histogram plus another equals one fed both, through the encoding too', () => {
    fc.assert(
      fc.property(fc.array(durationMs, { maxLength: 200 }), fc.array(durationMs, { maxLength: 200 }), (first, second) => {
        const single = feed([...first, ...second]);
        const merged = feed(first);
        merged.add(feed(second));
        const mergedOverIpc = feed(first);
        mergedOverIpc.add(LatencyHistogram.decode(feed(second).encode()));
        for (const histogram of [merged, mergedOverIpc]) {
          expect(histogram.encode()).toBe(single.encode());
          expect(histogram.count).toBe(single.count);
          for (const p of [0, 50, 95, 99, 99.9, 100]) expect(histogram.percentileMs(p)).toBe(single.percentileMs(p));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('adds a histogram of fewer buckets without touching its own buckets past the last of the other', () => {
    // 0.128 ms is bucket 128, the first past the 128 buckets that 0.001 ms needs.
    const histogram = feed([0.128, 1]);
    histogram.add(feed([0.001]));
    expect(histogram.encode()).toBe(feed([0.128, 1, 0.001]).encode());
    expect(histogram.percentileMs(50)).toBe(0.128);
  });

  it('takes the room of a histogram fed every duration after adding or decoding: counts stay 32-bit', () => {
    const durations = [0.5, 3, 12.4, 250, 90_000];
    const single = feed(durations);
    const merged = feed(durations.slice(0, 2));
    merged.add(feed(durations.slice(2)));
    expect(merged.estimatedFootprintInBytes).toBe(single.estimatedFootprintInBytes);
    expect(LatencyHistogram.decode(single.encode()).estimatedFootprintInBytes).toBe(single.estimatedFootprintInBytes);
  });

  it('round-trips through encode and decode', () => {
    fc.assert(
      fc.property(fc.array(durationMs, { maxLength: 300 }), (durations) => {
        const histogram = feed(durations);
        const decoded = LatencyHistogram.decode(histogram.encode());
        expect(decoded.encode()).toBe(histogram.encode());
        expect(decoded.count).toBe(durations.length);
        for (const p of [0, 25, 50, 95, 99, 100]) expect(decoded.percentileMs(p)).toBe(histogram.percentileMs(p));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps counts exact past 2^32 durations in one bucket', () => {
    const nearlyFull = LatencyHistogram.decode(encodeBucketCounts([0, 0, 0, 0xffff_ffff], 4));
    nearlyFull.record(0.003);
    nearlyFull.record(0.003);
    nearlyFull.record(0.001);
    expect(nearlyFull.count).toBe(2 ** 32 + 2);
    expect(LatencyHistogram.decode(nearlyFull.encode()).count).toBe(2 ** 32 + 2);
    expect(nearlyFull.percentileMs(0)).toBe(0.001);
    expect(nearlyFull.percentileMs(100)).toBe(0.003);

    const pastUint32 = encodeBucketCounts([0, 2 ** 32 + 5], 2);
    expect(LatencyHistogram.decode(pastUint32).encode()).toBe(pastUint32);
    expect(LatencyHistogram.decode(pastUint32).count).toBe(2 ** 32 + 5);

    const merged = LatencyHistogram.decode(encodeBucketCounts([0xffff_ffff], 1));
    merged.add(LatencyHistogram.decode(encodeBucketCounts([0xffff_ffff], 1)));
    expect(merged.count).toBe(2 * 0xffff_ffff);
    expect(merged.encode()).toBe(encodeBucketCounts([2 * 0xffff_ffff], 1));
  });
});

describe('log-linear buckets', () => {
  it('tile the trackable range without gaps, each at most 1/128 of its lowest value wide', () => {
    for (let bucket = 1; bucket < MAX_BUCKETS; bucket++) {
      expect(lowestInBucket(bucket)).toBe(highestInBucket(bucket - 1) + 1);
      const width = highestInBucket(bucket) - lowestInBucket(bucket) + 1;
      expect(width === 1 || width / lowestInBucket(bucket) <= 1 / 128).toBe(true);
    }
    expect(bucketOf(HISTOGRAM_HIGHEST_TRACKABLE_MICROS)).toBe(MAX_BUCKETS - 1);
  });

  it('put every value in the bucket whose range holds it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: HISTOGRAM_HIGHEST_TRACKABLE_MICROS }), (micros) => {
        const bucket = bucketOf(micros);
        expect(lowestInBucket(bucket)).toBeLessThanOrEqual(micros);
        expect(highestInBucket(bucket)).toBeGreaterThanOrEqual(micros);
      }),
      { numRuns: 2000 },
    );
  });
});
