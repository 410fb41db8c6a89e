/** One cumulative histogram bucket: observations at or below `upperBound` (the `le` label). */
export interface Bucket {
  upperBound: number;
  count: number;
}

/**
 * The φ-quantile of cumulative buckets, computed as PromQL's `histogram_quantile` does (the fleet report
 * needs the buckets themselves, so it interpolates here instead of asking three more queries): linear
 * interpolation inside the bucket the rank falls in, from 0 for the first bucket; the highest finite
 * bound when the rank falls in the `+Inf` bucket; NaN without a `+Inf` bucket, a finite one, or any
 * observation. Buckets may arrive in any order; equal bounds are merged and counts that decrease (sums
 * of separately extrapolated series) are raised to the one before, as Prometheus does.
 */
export function histogramQuantile(quantile: number, buckets: Bucket[]): number {
  if (quantile < 0) return Number.NEGATIVE_INFINITY;
  if (quantile > 1) return Number.POSITIVE_INFINITY;
  const merged = mergeEqualBounds(buckets);
  if (merged.length < 2 || merged.at(-1)!.upperBound !== Number.POSITIVE_INFINITY) return Number.NaN;
  for (let i = 1; i < merged.length; i += 1) merged[i]!.count = Math.max(merged[i]!.count, merged[i - 1]!.count);
  const observations = merged.at(-1)!.count;
  if (!(observations > 0)) return Number.NaN;
  let rank = quantile * observations;
  let b = merged.findIndex((bucket, i) => i < merged.length - 1 && bucket.count >= rank);
  if (b === -1) b = merged.length - 1;
  if (b === merged.length - 1) return merged[merged.length - 2]!.upperBound;
  if (b === 0 && merged[0]!.upperBound <= 0) return merged[0]!.upperBound;
  const start = b === 0 ? 0 : merged[b - 1]!.upperBound;
  const end = merged[b]!.upperBound;
  let count = merged[b]!.count;
  if (b > 0) {
    count -= merged[b - 1]!.count;
    rank -= merged[b - 1]!.count;
  }
  return start + (end - start) * (rank / count);
}

function mergeEqualBounds(buckets: Bucket[]): Bucket[] {
  const sorted = [...buckets].sort((a, b) => a.upperBound - b.upperBound);
  const merged: Bucket[] = [];
  for (const bucket of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && last.upperBound === bucket.upperBound) last.count += bucket.count;
    else merged.push({ ...bucket });
  }
  return merged;
}
