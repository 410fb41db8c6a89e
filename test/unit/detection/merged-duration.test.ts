import { mergedDurationMs } from '../../../src/detection/merged-duration';

const interval = (startMs: number, endMs: number) => ({ startMs, endMs });

describe('mergedDurationMs', () => {
  it('is zero for no intervals', () => {
    expect(mergedDurationMs([])).toBe(0);
  });

  it('adds up disjoint intervals', () => {
    expect(mergedDurationMs([interval(0, 2), interval(5, 6), interval(10, 13)])).toBe(6);
  });

  it('counts overlapping time once', () => {
    expect(mergedDurationMs([interval(0, 10), interval(2, 4), interval(8, 12)])).toBe(12);
  });

  it('joins intervals that touch', () => {
    expect(mergedDurationMs([interval(0, 5), interval(5, 10)])).toBe(10);
  });

  it.each([
    ['by end', [interval(0, 3), interval(1, 4), interval(10, 11)]],
    ['by start', [interval(0, 9), interval(1, 4), interval(10, 11)]],
    ['in no order', [interval(10, 11), interval(1, 4), interval(0, 9)]],
  ])('gives the union whether the intervals come ordered %s or not', (_order, intervals) => {
    const sorted = [...intervals].sort((a, b) => a.startMs - b.startMs);
    let expected = 0;
    let [blockStart, blockEnd] = [sorted[0]!.startMs, sorted[0]!.endMs];
    for (const { startMs, endMs } of sorted.slice(1)) {
      if (startMs > blockEnd) {
        expected += blockEnd - blockStart;
        [blockStart, blockEnd] = [startMs, endMs];
      } else blockEnd = Math.max(blockEnd, endMs);
    }
    expected += blockEnd - blockStart;
    expect(mergedDurationMs(intervals)).toBe(expected);
  });

  it('takes an interval that ends before it starts as empty', () => {
    expect(mergedDurationMs([interval(0, 2), interval(50, 1)])).toBe(2);
  });
});
