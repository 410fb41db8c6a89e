import type { SlowQuerySample } from '../processors/request-summary.js';
import { roundMs } from './rounding.js';
import type { SlowQueryState } from './statistics-state.js';
import type { SlowQueryStatistics } from './statistics.js';
import { truncateText } from './truncate-text.js';

/** Running totals of one slow statement shape. */
export class SlowQueryAccumulator {
  private count = 0;
  private totalMs = 0;
  private maxMs = 0;
  private readonly query: string;

  constructor(
    readonly fingerprint: string,
    query: string,
  ) {
    this.query = truncateText(query);
  }

  record(sample: SlowQuerySample): void {
    this.count += 1;
    this.totalMs += sample.durationMs;
    this.maxMs = Math.max(this.maxMs, sample.durationMs);
  }

  state(): SlowQueryState {
    return { fingerprint: this.fingerprint, query: this.query, count: this.count, totalMs: this.totalMs, maxMs: this.maxMs };
  }

  merge(state: SlowQueryState): void {
    this.count += state.count;
    this.totalMs += state.totalMs;
    this.maxMs = Math.max(this.maxMs, state.maxMs);
  }

  get totalTimeMs(): number {
    return this.totalMs;
  }

  snapshot(): SlowQueryStatistics {
    return {
      fingerprint: this.fingerprint,
      query: this.query,
      count: this.count,
      avgMs: roundMs(this.totalMs / this.count),
      maxMs: roundMs(this.maxMs),
    };
  }
}
