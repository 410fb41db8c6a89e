/** A closed time interval in milliseconds; `endMs` below `startMs` counts as an empty interval. */
export interface TimeInterval {
  startMs: number;
  endMs: number;
}

// The end as measured: an interval ending before it starts is empty.
function endOf(interval: TimeInterval): number {
  return Math.max(interval.startMs, interval.endMs);
}

function isSortedByEnd(intervals: readonly TimeInterval[]): boolean {
  for (let i = 1; i < intervals.length; i += 1) {
    if (endOf(intervals[i] as TimeInterval) < endOf(intervals[i - 1] as TimeInterval)) return false;
  }
  return true;
}

function isSortedByStart(intervals: readonly TimeInterval[]): boolean {
  for (let i = 1; i < intervals.length; i += 1) {
    if ((intervals[i] as TimeInterval).startMs < (intervals[i - 1] as TimeInterval).startMs) return false;
  }
  return true;
}

/**
 * Length of the union of the intervals: concurrent repeats (Promise.all) count once per overlapping
 * period. Linear when the intervals come ordered by end (the order spans end in) or by start;
 * otherwise they are sorted first.
 */
export function mergedDurationMs(intervals: readonly TimeInterval[]): number {
  if (intervals.length === 0) return 0;
  if (isSortedByEnd(intervals)) return mergeFromLatest(intervals);
  const byStart = isSortedByStart(intervals) ? intervals : [...intervals].sort((a, b) => a.startMs - b.startMs);
  return mergeFromEarliest(byStart);
}

// Ordered by start: an interval starting after the current block's end opens a new block.
function mergeFromEarliest(intervals: readonly TimeInterval[]): number {
  let total = 0;
  let blockStart = Number.NaN;
  let blockEnd = Number.NaN;
  for (const interval of intervals) {
    const startMs = interval.startMs;
    const end = endOf(interval);
    if (Number.isNaN(blockStart) || startMs > blockEnd) {
      if (!Number.isNaN(blockStart)) total += blockEnd - blockStart;
      blockStart = startMs;
      blockEnd = end;
    } else if (end > blockEnd) {
      blockEnd = end;
    }
  }
  return total + (blockEnd - blockStart);
}

// Ordered by end, walked from the latest: an interval ending before the current block's start can
// touch no block already seen, so it opens a new one.
function mergeFromLatest(intervals: readonly TimeInterval[]): number {
  let total = 0;
  let blockStart = Number.NaN;
  let blockEnd = Number.NaN;
  for (let i = intervals.length - 1; i >= 0; i -= 1) {
    const interval = intervals[i] as TimeInterval;
    const startMs = interval.startMs;
    const end = endOf(interval);
    if (Number.isNaN(blockStart) || end < blockStart) {
      if (!Number.isNaN(blockStart)) total += blockEnd - blockStart;
      blockStart = startMs;
      blockEnd = end;
    } else if (startMs < blockStart) {
      blockStart = startMs;
    }
  }
  return total + (blockEnd - blockStart);
}
