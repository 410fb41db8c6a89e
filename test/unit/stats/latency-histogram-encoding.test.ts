import fc from 'fast-check';
import { LatencyHistogram } from '../../../src/stats/latency-histogram';
import {
  ENCODING_VERSION,
  LatencyHistogramDecodeError,
  MAX_ENCODED_LENGTH,
  decodeBucketCounts,
  encodeBucketCounts,
} from '../../../src/stats/latency-histogram-encoding';
import { MAX_BUCKETS } from '../../../src/stats/log-linear-buckets';

/** Bytes as the decoder reads them: a version, a bucket count, tokens. */
function base64(...bytes: number[]): string {
  return Buffer.from(bytes).toString('base64');
}

/** What spanlens sent its cluster primary while it used hdr-histogram-js (1.5, 12, 12.4 and 250 ms). */
const HDR_HISTOGRAM_ENCODING = 'HISTFAAAAC14nJNpmSzMwMDAzcDAwMjAwMDEAAGMYJL5/38Y/ysH019WJk6mxxxMAIDHBlM=';

const counts = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.nat(300), fc.nat()), { maxLength: MAX_BUCKETS });

describe('latency histogram encoding', () => {
  it('round-trips any bucket counts, trailing empty buckets dropped', () => {
    fc.assert(
      fc.property(counts, (given) => {
        let used = given.length;
        while (used > 0 && given[used - 1] === 0) used -= 1;
        expect([...decodeBucketCounts(encodeBucketCounts(given, given.length))]).toEqual(given.slice(0, used));
      }),
      { numRuns: 300 },
    );
  });

  it('writes runs of empty buckets as one token: a typical endpoint takes a few hundred characters', () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 10_000; i++) histogram.record(3 + ((i * 7919) % 400) / 10);
    expect(histogram.encode().length).toBeLessThan(1_000);
    expect(new LatencyHistogram().encode()).toBe(base64(ENCODING_VERSION, 0));
  });

  it('never writes more than the decoder accepts', () => {
    const full = new Array<number>(MAX_BUCKETS).fill(Number.MAX_SAFE_INTEGER / MAX_BUCKETS);
    const encoded = encodeBucketCounts(full.map(Math.floor), MAX_BUCKETS);
    expect(encoded.length).toBeLessThanOrEqual(MAX_ENCODED_LENGTH);
    expect(decodeBucketCounts(encoded)).toHaveLength(MAX_BUCKETS);
  });

  /** The error decoding `encoded` throws; a check that is gone but caught by a later one changes the reason. */
  function decodeError(encoded: unknown): Error {
    try {
      decodeBucketCounts(encoded);
    } catch (error) {
      expect(error).toBeInstanceOf(LatencyHistogramDecodeError);
      expect((error as Error).name).toBe('LatencyHistogramDecodeError');
      expect(() => LatencyHistogram.decode(encoded as string)).toThrow(error as Error);
      return error as Error;
    }
    throw new Error(`decoded ${String(encoded)}`);
  }

  it.each<[string, unknown, string]>([
    ['a number', 42, 'expected a string, got number'],
    ['null', null, 'expected a string, got object'],
    ['an empty string', '', 'empty'],
    ['text that is not base64', 'not base64!', 'not base64'],
    ['base64 with a missing padding character', base64(ENCODING_VERSION, 0).slice(0, -1), 'not base64'],
    ["the HdrHistogram encoding of spanlens' earlier versions", HDR_HISTOGRAM_ENCODING, 'unknown encoding version 28 (this process reads version 1)'],
    ['another version', base64(ENCODING_VERSION + 1, 0), 'unknown encoding version 2 (this process reads version 1)'],
    ['a version alone', base64(ENCODING_VERSION), 'ends inside a number'],
    [
      'more buckets than a histogram has',
      base64(ENCODING_VERSION, ...varint(MAX_BUCKETS + 1), ...varint(2 * (MAX_BUCKETS + 1) - 1)),
      `${MAX_BUCKETS + 1} buckets, more than the ${MAX_BUCKETS} a histogram has`,
    ],
    ['fewer tokens than buckets', base64(ENCODING_VERSION, 3, 2, 4), 'ends inside a number'],
    ['a run of empty buckets past the end', base64(ENCODING_VERSION, 2, 2, 5), 'a run of empty buckets past the end'],
    ['bytes after the last bucket', base64(ENCODING_VERSION, 1, 2, 0, 0), '2 bytes after the last bucket'],
    ['a zero token', base64(ENCODING_VERSION, 1, 0), 'a zero token'],
    ['a number that never ends', base64(ENCODING_VERSION, 1, 0x80, 0x80), 'ends inside a number'],
    ['a number that ends after seven of its eight bytes', base64(ENCODING_VERSION, ...new Array<number>(7).fill(0x80)), 'ends inside a number'],
    ['a number longer than eight bytes', base64(ENCODING_VERSION, 1, ...new Array<number>(9).fill(0x81), 1), 'a number longer than 8 bytes'],
    ['a number whose ninth byte ends it', base64(ENCODING_VERSION, ...new Array<number>(8).fill(0x80), 0), 'a number longer than 8 bytes'],
    ['a count past the safe integers', base64(ENCODING_VERSION, 1, ...varint(2 ** 54)), 'a number past the safe integers'],
    ['a total past the safe integers', base64(ENCODING_VERSION, 3, ...[1, 2, 3].flatMap(() => varint(2 ** 53 - 2))), 'a total count past the safe integers'],
    ['text longer than any histogram', 'A'.repeat(MAX_ENCODED_LENGTH + 4), `${MAX_ENCODED_LENGTH + 4} characters, more than the ${MAX_ENCODED_LENGTH} a histogram takes`],
  ])('refuses %s, saying why', (_what, encoded, reason) => {
    expect(decodeError(encoded).message).toBe(reason);
  });

  it(`does not refuse text of exactly MAX_ENCODED_LENGTH (${MAX_ENCODED_LENGTH}) characters: every number written in eight bytes`, () => {
    const eightBytes = (value: number): number[] => Array.from({ length: 8 }, (_, i) => (Math.floor(value / 0x80 ** i) % 0x80) | (i < 7 ? 0x80 : 0));
    const longest = base64(ENCODING_VERSION, ...eightBytes(MAX_BUCKETS), ...new Array<number>(MAX_BUCKETS).fill(2).flatMap(eightBytes));
    expect(longest).toHaveLength(MAX_ENCODED_LENGTH);
    expect([...decodeBucketCounts(longest)]).toEqual(new Array<number>(MAX_BUCKETS).fill(1));
  });

  it('round-trips the numbers that just need a second varint byte: a count of 64 (token 128) and 128 buckets', () => {
    expect([...decodeBucketCounts(encodeBucketCounts([64], 1))]).toEqual([64]);
    const lastOf128 = [...new Array<number>(127).fill(0), 1];
    expect([...decodeBucketCounts(encodeBucketCounts(lastOf128, 128))]).toEqual(lastOf128);
  });

  it('accepts a run of empty buckets that ends exactly at the last bucket', () => {
    expect([...decodeBucketCounts(base64(ENCODING_VERSION, 3, 2, 3))]).toEqual([1, 0, 0]);
  });

  it('refuses every truncation of a valid encoding', () => {
    const histogram = new LatencyHistogram();
    for (const duration of [0.004, 1.5, 12, 12.4, 250, 250, 90_000]) histogram.record(duration);
    const bytes = Buffer.from(histogram.encode(), 'base64');
    for (let length = 0; length < bytes.length; length++) {
      expect(() => decodeBucketCounts(bytes.subarray(0, length).toString('base64'))).toThrow(LatencyHistogramDecodeError);
    }
  });

  it('answers any corrupted encoding with a decode error or a histogram within bounds, never anything else', () => {
    const histogram = new LatencyHistogram();
    for (const duration of [0.004, 1.5, 12, 12.4, 250, 250, 90_000]) histogram.record(duration);
    const bytes = Buffer.from(histogram.encode(), 'base64');
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const corrupted = Buffer.from(bytes);
        corrupted[at] = value;
        try {
          expect(decodeBucketCounts(corrupted.toString('base64')).length).toBeLessThanOrEqual(MAX_BUCKETS);
        } catch (error) {
          expect(error).toBeInstanceOf(LatencyHistogramDecodeError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}
