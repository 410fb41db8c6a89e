import type { NPlusOneSample } from '../processors/request-summary.js';
import type { NPlusOneState } from './statistics-state.js';
import type { NPlusOneStatistics } from './statistics.js';
import { truncateText } from './truncate-text.js';

/** Running totals of one N+1 pattern (a query shape repeated in one route's requests). */
export class NPlusOneAccumulator {
  private occurrences = 0;
  private repeats = 0;
  private suggestion = '';
  private readonly query: string;

  constructor(
    private readonly route: string,
    private readonly fingerprint: string,
    query: string,
  ) {
    this.query = truncateText(query);
  }

  record(sample: NPlusOneSample): void {
    this.occurrences += 1;
    this.repeats = Math.max(this.repeats, sample.repeats);
    this.suggestion = truncateText(sample.suggestion);
  }

  state(): NPlusOneState {
    return {
      route: this.route,
      fingerprint: this.fingerprint,
      query: this.query,
      occurrences: this.occurrences,
      repeats: this.repeats,
      suggestion: this.suggestion,
    };
  }

  merge(state: NPlusOneState): void {
    this.occurrences += state.occurrences;
    this.repeats = Math.max(this.repeats, state.repeats);
    if (this.suggestion === '') this.suggestion = truncateText(state.suggestion);
  }

  snapshot(): NPlusOneStatistics {
    return {
      route: this.route,
      fingerprint: this.fingerprint,
      query: this.query,
      repeats: this.repeats,
      occurrences: this.occurrences,
      suggestion: this.suggestion,
    };
  }
}
