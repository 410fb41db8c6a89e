import type { Attributes } from '@opentelemetry/api';
import type { CallSite } from '../call-sites/call-site.js';
import type { NPlusOneFinding, NPlusOneLoop } from '../detection/index.js';
import { roundMs } from '../stats/rounding.js';

/** The span events spanlens adds to a request's root span, one per finding (names from the contract). */
export const FINDING_EVENTS = {
  nPlusOne: 'spanlens.n_plus_one',
  loop: 'spanlens.n_plus_one.loop',
} as const;

/** The attributes of one `spanlens.n_plus_one` event. */
export function findingEventAttributes(finding: NPlusOneFinding, callSite: CallSite | null): Attributes {
  return {
    'spanlens.n_plus_one.kind': finding.kind,
    'spanlens.db.fingerprint': finding.fingerprint,
    'spanlens.db.query': finding.query,
    'spanlens.n_plus_one.repeats': finding.repeats,
    'spanlens.n_plus_one.duration_ms': roundMs(finding.durationMs),
    'spanlens.n_plus_one.parent_span_id': finding.parentSpanId ?? '',
    'spanlens.n_plus_one.suggestion': finding.suggestion,
    ...callSiteAttributes(callSite),
  };
}

/** The attributes of one `spanlens.n_plus_one.loop` event: the body's statements in order. */
export function loopEventAttributes(loop: NPlusOneLoop<NPlusOneFinding>, callSite: CallSite | null): Attributes {
  return {
    'spanlens.n_plus_one.iterations': loop.iterations,
    'spanlens.n_plus_one.fingerprints': loop.statements.map((statement) => statement.fingerprint),
    'spanlens.n_plus_one.queries': loop.statements.map((statement) => statement.query),
    'spanlens.n_plus_one.duration_ms': roundMs(loop.durationMs),
    'spanlens.n_plus_one.parent_span_id': loop.parentSpanId ?? '',
    'spanlens.n_plus_one.suggestion': loop.suggestion,
    ...callSiteAttributes(callSite),
  };
}

/** The semantic conventions' code attributes; none when no app frame was visible. */
function callSiteAttributes(callSite: CallSite | null): Attributes {
  if (callSite === null) return {};
  return {
    'code.file.path': callSite.file,
    'code.line.number': callSite.line,
    'code.function.name': callSite.function,
  };
}
