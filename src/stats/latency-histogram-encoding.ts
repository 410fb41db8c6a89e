import { MAX_BUCKETS } from './log-linear-buckets.js';

/**
 * The text form of a latency histogram's bucket counts, for a cluster worker to send its primary.
 *
 * base64 of: a version byte, the number of buckets as a varint, then one varint token per run: an even
 * token 2c is one bucket with count c ≥ 1, an odd token 2n−1 is n empty buckets. Varints are unsigned
 * LEB128 (7 bits a byte, low bits first). Latency histograms are mostly empty buckets and small counts,
 * so a typical endpoint takes a few hundred bytes.
 *
 * The text comes from another process: decoding checks everything and bounds every size before it
 * allocates, and throws {@link LatencyHistogramDecodeError} on anything it did not write.
 */

export const ENCODING_VERSION = 1;

/** Largest varint: 8 bytes carry 56 bits, more than a safe integer. */
const MAX_VARINT_BYTES = 8;
/** The longest text {@link encodeBucketCounts} can write: every bucket a full-width count. */
export const MAX_ENCODED_LENGTH = Math.ceil((1 + MAX_VARINT_BYTES + MAX_BUCKETS * MAX_VARINT_BYTES) / 3) * 4;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class LatencyHistogramDecodeError extends Error {
  override readonly name = 'LatencyHistogramDecodeError';
}

/** `counts[0 .. length)`, whole and non-negative; only the part up to the last non-zero count is written. */
export function encodeBucketCounts(counts: ArrayLike<number>, length: number): string {
  let used = length;
  while (used > 0 && counts[used - 1] === 0) used -= 1;
  const bytes = new Uint8Array(1 + MAX_VARINT_BYTES * (used + 1));
  let at = 0;
  const write = (value: number): void => {
    let rest = value;
    while (rest >= 0x80) {
      bytes[at++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    bytes[at++] = rest;
  };
  bytes[at++] = ENCODING_VERSION;
  write(used);
  let zeros = 0;
  for (let i = 0; i < used; i++) {
    const count = counts[i]!;
    if (count === 0) {
      zeros += 1;
      continue;
    }
    if (zeros > 0) write(2 * zeros - 1);
    zeros = 0;
    write(2 * count);
  }
  return Buffer.from(bytes.buffer, 0, at).toString('base64');
}

/** The bucket counts that `encoded` holds; throws {@link LatencyHistogramDecodeError} on anything else. */
export function decodeBucketCounts(encoded: unknown): Float64Array {
  if (typeof encoded !== 'string') throw new LatencyHistogramDecodeError(`expected a string, got ${typeof encoded}`);
  if (encoded.length > MAX_ENCODED_LENGTH) {
    throw new LatencyHistogramDecodeError(`${encoded.length} characters, more than the ${MAX_ENCODED_LENGTH} a histogram takes`);
  }
  if (!BASE64.test(encoded)) throw new LatencyHistogramDecodeError('not base64');
  const bytes = Buffer.from(encoded, 'base64');
  let at = 0;
  const read = (): number => {
    let value = 0;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (at >= bytes.length) throw new LatencyHistogramDecodeError('ends inside a number');
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * 2 ** (7 * i);
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) throw new LatencyHistogramDecodeError('a number past the safe integers');
        return value;
      }
    }
    throw new LatencyHistogramDecodeError(`a number longer than ${MAX_VARINT_BYTES} bytes`);
  };

  if (bytes.length === 0) throw new LatencyHistogramDecodeError('empty');
  const version = bytes[at++];
  if (version !== ENCODING_VERSION) {
    // The HdrHistogram encoding that spanlens sent before it had its own histogram starts with byte 0x1c.
    throw new LatencyHistogramDecodeError(`unknown encoding version ${String(version)} (this process reads version ${ENCODING_VERSION})`);
  }
  const length = read();
  if (length > MAX_BUCKETS) throw new LatencyHistogramDecodeError(`${length} buckets, more than the ${MAX_BUCKETS} a histogram has`);
  const counts = new Float64Array(length);
  let total = 0;
  let filled = 0;
  while (filled < length) {
    const token = read();
    if (token === 0) throw new LatencyHistogramDecodeError('a zero token');
    if (token % 2 === 1) {
      filled += (token + 1) / 2;
      if (filled > length) throw new LatencyHistogramDecodeError('a run of empty buckets past the end');
      continue;
    }
    const count = token / 2;
    total += count;
    if (!Number.isSafeInteger(total)) throw new LatencyHistogramDecodeError('a total count past the safe integers');
    counts[filled++] = count;
  }
  if (at !== bytes.length) throw new LatencyHistogramDecodeError(`${bytes.length - at} bytes after the last bucket`);
  return counts;
}
