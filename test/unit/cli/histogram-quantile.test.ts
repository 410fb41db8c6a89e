import { histogramQuantile } from '../../../src/cli/fleet/histogram-quantile';

const INF = Number.POSITIVE_INFINITY;

describe('histogramQuantile (as PromQL histogram_quantile)', () => {
  // 100 observations: 50 at or below 0.1, 90 at or below 0.5, all at or below 1.
  const buckets = [
    { upperBound: 0.1, count: 50 },
    { upperBound: 0.5, count: 90 },
    { upperBound: 1, count: 100 },
    { upperBound: INF, count: 100 },
  ];

  it('interpolates linearly inside the bucket the rank falls in, from 0 in the first', () => {
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.05, 12);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1, 12);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.3, 12);
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.75, 12);
  });

  it('answers the highest finite bound when the rank falls in +Inf', () => {
    const tail = [...buckets.slice(0, 3), { upperBound: INF, count: 200 }];
    expect(histogramQuantile(0.99, tail)).toBe(1);
  });

  it('takes buckets in any order, merges equal bounds, and raises counts that go down', () => {
    const shuffled = [buckets[3]!, buckets[1]!, buckets[0]!, buckets[2]!];
    expect(histogramQuantile(0.95, shuffled)).toBeCloseTo(0.75, 12);
    const split = [...buckets, { upperBound: 0.1, count: 0 }];
    expect(histogramQuantile(0.5, split)).toBeCloseTo(0.1, 12);
    // Separately extrapolated series can sum to a bucket below the one before it.
    const dented = [
      { upperBound: 0.1, count: 50 },
      { upperBound: 0.5, count: 49 },
      { upperBound: 1, count: 100 },
      { upperBound: INF, count: 100 },
    ];
    expect(histogramQuantile(0.5, dented)).toBeCloseTo(0.1, 12);
  });

  it('is NaN without a +Inf bucket, without a finite one, or without observations', () => {
    expect(histogramQuantile(0.5, buckets.slice(0, 3))).toBeNaN();
    expect(histogramQuantile(0.5, [{ upperBound: INF, count: 10 }])).toBeNaN();
    expect(histogramQuantile(0.5, buckets.map((bucket) => ({ ...bucket, count: 0 })))).toBeNaN();
  });

  it('answers -Inf and +Inf outside [0, 1]', () => {
    expect(histogramQuantile(-0.1, buckets)).toBe(Number.NEGATIVE_INFINITY);
    expect(histogramQuantile(1.1, buckets)).toBe(INF);
  });
});
