/**
 * Where a value in whole microseconds falls in a latency histogram: log-linear buckets, as HdrHistogram
 * lays them out for two significant digits. Values below 256 each have a bucket of their own (1 µs
 * resolution at the low end); above, every power of two is cut into 128 equal buckets, so a bucket is at
 * most 1/128 (0.78 %) of its lowest value wide.
 */

/** Buckets per power of two above the exact range: the relative error is at most 1 / this. */
export const BUCKETS_PER_DOUBLING = 128;
/** Values below this have a bucket each. */
const EXACT_BELOW = 2 * BUCKETS_PER_DOUBLING;
const BITS_PER_DOUBLING = Math.log2(BUCKETS_PER_DOUBLING);

/** One hour in microseconds; longer values are recorded as this (the exact maximum is kept elsewhere). */
export const HIGHEST_TRACKABLE_MICROS = 3_600_000_000;

/** The bucket of a whole, non-negative number of microseconds up to {@link HIGHEST_TRACKABLE_MICROS}. */
export function bucketOf(micros: number): number {
  if (micros < EXACT_BELOW) return micros;
  // micros < 2^32, so the unsigned 32-bit operations below are exact.
  const shift = 31 - Math.clz32(micros) - BITS_PER_DOUBLING;
  return EXACT_BELOW + (shift - 1) * BUCKETS_PER_DOUBLING + ((micros >>> shift) - BUCKETS_PER_DOUBLING);
}

/** The lowest value (µs) that falls in `bucket`. */
export function lowestInBucket(bucket: number): number {
  if (bucket < EXACT_BELOW) return bucket;
  const { shift, mantissa } = decompose(bucket);
  return mantissa * 2 ** shift;
}

/** The highest value (µs) that falls in `bucket`: what a percentile landing in it reports. */
export function highestInBucket(bucket: number): number {
  if (bucket < EXACT_BELOW) return bucket;
  const { shift, mantissa } = decompose(bucket);
  return (mantissa + 1) * 2 ** shift - 1;
}

/** Buckets needed to hold every trackable value: the most a histogram's counts ever take. */
export const MAX_BUCKETS = bucketOf(HIGHEST_TRACKABLE_MICROS) + 1;

function decompose(bucket: number): { shift: number; mantissa: number } {
  const above = bucket - EXACT_BELOW;
  return {
    shift: Math.floor(above / BUCKETS_PER_DOUBLING) + 1,
    mantissa: BUCKETS_PER_DOUBLING + (above % BUCKETS_PER_DOUBLING),
  };
}
