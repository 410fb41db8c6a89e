import type { CallSite } from '../call-sites/call-site.js';
import type { NPlusOneLoopSample } from '../processors/request-summary.js';
import type { LoopState } from './statistics-state.js';
import type { LoopStatistics } from './statistics.js';
import { truncateText } from './truncate-text.js';

/** What a loop's identity and shown statements are made of (a request's sample or another process' state). */
interface LoopStatements {
  statements: ReadonlyArray<{ fingerprint: string; query: string }>;
}

/** Running totals of one loop (the same statements, in order, per item) in one route's requests. */
export class LoopAccumulator {
  private occurrences = 0;
  private iterations = 0;
  private suggestion = '';
  private callSite: CallSite | null = null;
  private readonly statements: Array<{ fingerprint: string; query: string }>;

  constructor(
    readonly route: string,
    readonly key: string,
    sample: LoopStatements,
  ) {
    this.statements = sample.statements.map(({ fingerprint, query }) => ({ fingerprint, query: truncateText(query) }));
  }

  record(sample: NPlusOneLoopSample): void {
    this.occurrences += 1;
    this.iterations = Math.max(this.iterations, sample.iterations);
    this.suggestion = truncateText(sample.suggestion);
    if (sample.callSite !== null) this.callSite = sample.callSite;
  }

  state(): LoopState {
    return {
      route: this.route,
      statements: this.statements.map((statement) => ({ ...statement })),
      occurrences: this.occurrences,
      iterations: this.iterations,
      suggestion: this.suggestion,
      callSite: this.callSite === null ? null : { ...this.callSite },
    };
  }

  /** Adds another process' totals of the same loop, kept as N+1 findings are: the first suggestion and call site stay. */
  merge(state: LoopState): void {
    this.occurrences += state.occurrences;
    this.iterations = Math.max(this.iterations, state.iterations);
    if (this.suggestion === '') this.suggestion = truncateText(state.suggestion);
    if (this.callSite === null && state.callSite != null) this.callSite = { ...state.callSite };
  }

  snapshot(): LoopStatistics {
    return {
      route: this.route,
      iterations: this.iterations,
      statements: this.statements.map((statement) => ({ ...statement })),
      callSite: this.callSite === null ? null : { ...this.callSite },
      suggestion: this.suggestion,
      occurrences: this.occurrences,
    };
  }
}

/** The identity of a loop within a route: its statements' fingerprints, in order. */
export function loopKey(route: string, sample: LoopStatements): string {
  return [route, ...sample.statements.map((statement) => statement.fingerprint)].join('\u0000');
}
