import type { CallSite } from '../call-sites/call-site.js';
import type { NPlusOneSample } from '../processors/request-summary.js';
import type { NPlusOneState } from './statistics-state.js';
import type { NPlusOneKind, NPlusOneStatistics } from './statistics.js';
import { truncateText } from './truncate-text.js';

/** Running totals of one N+1 pattern (a query shape repeated in one route's requests). */
export class NPlusOneAccumulator {
  private occurrences = 0;
  private inLoops = 0;
  private repeats = 0;
  private suggestion = '';
  private callSite: CallSite | null = null;
  private readonly query: string;

  constructor(
    private readonly route: string,
    private readonly kind: NPlusOneKind,
    private readonly fingerprint: string,
    query: string,
  ) {
    this.query = truncateText(query);
  }

  record(sample: NPlusOneSample): void {
    this.occurrences += 1;
    if (sample.inLoop) this.inLoops += 1;
    this.repeats = Math.max(this.repeats, sample.repeats);
    this.suggestion = truncateText(sample.suggestion);
    // A request in which no app frame was visible does not erase where an earlier one saw it.
    if (sample.callSite !== null) this.callSite = sample.callSite;
  }

  state(): NPlusOneState {
    return {
      route: this.route,
      kind: this.kind,
      fingerprint: this.fingerprint,
      query: this.query,
      occurrences: this.occurrences,
      inLoops: this.inLoops,
      repeats: this.repeats,
      suggestion: this.suggestion,
      callSite: this.callSite === null ? null : { ...this.callSite },
    };
  }

  merge(state: NPlusOneState): void {
    this.occurrences += state.occurrences;
    this.inLoops += state.inLoops ?? 0;
    this.repeats = Math.max(this.repeats, state.repeats);
    if (this.suggestion === '') this.suggestion = truncateText(state.suggestion);
    if (this.callSite === null && state.callSite != null) this.callSite = { ...state.callSite };
  }

  snapshot(): NPlusOneStatistics {
    return {
      route: this.route,
      kind: this.kind,
      fingerprint: this.fingerprint,
      query: this.query,
      repeats: this.repeats,
      occurrences: this.occurrences,
      inLoops: this.inLoops,
      suggestion: this.suggestion,
      callSite: this.callSite === null ? null : { ...this.callSite },
    };
  }
}
