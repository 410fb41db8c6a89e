import { HISTOGRAM_HIGHEST_TRACKABLE_MICROS, HISTOGRAM_SIGNIFICANT_DIGITS, LatencyHistogram } from '../../../src/stats/latency-histogram';

/** The relative error the histogram's significant digits allow. */
const PRECISION = 10 ** -HISTOGRAM_SIGNIFICANT_DIGITS;

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

  it('records durations past the trackable range at the top of the range instead of throwing', () => {
    const histogram = new LatencyHistogram();
    histogram.record(10 * HISTOGRAM_HIGHEST_TRACKABLE_MICROS);
    histogram.record(-5);
    const highestMs = HISTOGRAM_HIGHEST_TRACKABLE_MICROS / 1000;
    expect(Math.abs(histogram.percentileMs(100) - highestMs) / highestMs).toBeLessThanOrEqual(PRECISION);
    expect(histogram.percentileMs(0)).toBe(0);
  });

  it('stays within a fixed footprint however many values it records', () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 10_000; i++) histogram.record(i * 0.37);
    const afterTenThousand = histogram.estimatedFootprintInBytes;
    for (let i = 0; i < 200_000; i++) histogram.record((i % 10_000) * 0.37);
    expect(histogram.estimatedFootprintInBytes).toBe(afterTenThousand);
  });

  it('grows only with the largest duration, to at most about 100 KB', () => {
    const histogram = new LatencyHistogram();
    histogram.record(1);
    const small = histogram.estimatedFootprintInBytes;
    histogram.record(1000);
    expect(histogram.estimatedFootprintInBytes).toBeGreaterThan(small);
    histogram.record(24 * 3_600_000);
    const largest = histogram.estimatedFootprintInBytes;
    expect(largest).toBeLessThanOrEqual(100_000);
    histogram.record(1e12);
    expect(histogram.estimatedFootprintInBytes).toBe(largest);
  });
});
