import { categorizeStatementText } from '../sql/statement-class.js';
import { genericBatchingSuggestion, suggestCacheBatching } from '../sql/suggestion.js';
import type { DetectionSpan, DetectionSpanKind } from './detection-span.js';
import { type IgnoreList, compileIgnoreList } from './ignore-list.js';
import { type NPlusOneLoop, type RepeatedGroup, findLoops } from './loops.js';
import { mergedDurationMs } from './merged-duration.js';

export const DEFAULT_N_PLUS_ONE_MIN_REPEATS = 5;
export const DEFAULT_N_PLUS_ONE_MIN_DURATION_MS = 0;
/** Findings reported per request, the longest first; a request with more is still flagged by these. */
export const MAX_FINDINGS_PER_REQUEST = 50;

// Waiting for a pooled connection is not a query the code ran.
const CONNECTION_SPAN_NAMES = new Set(['pg.connect', 'pg-pool.connect']);
const CONNECTION_SPAN_NAME_LENGTHS = new Set([...CONNECTION_SPAN_NAMES].map((name) => name.length));

/** Whether a span of this name only checks out a database connection (`pg.connect`, `pg-pool.connect`). */
export function isConnectionSpanName(name: string): boolean {
  // Checked per span: the length first spares hashing (and flattening) the names built for each query span
  // (5–90 ns against 130–250 ns for a name made by concatenation, in a microbenchmark).
  return CONNECTION_SPAN_NAME_LENGTHS.has(name.length) && CONNECTION_SPAN_NAMES.has(name);
}

export interface NPlusOneOptions {
  /** Spans of one shape under one parent that make an N+1 (at least 2). Default 5. */
  minRepeats?: number;
  /** And their merged, overlap-aware duration at least this. Default 0. */
  minDurationMs?: number;
  /** Fingerprints, or `/regex/` strings matched against the normalized query, never to report. */
  ignore?: readonly string[];
}

/** The same statement (or cache operation, or outgoing HTTP call) repeated under one parent span in one request. */
export interface NPlusOneFinding {
  kind: DetectionSpanKind;
  /** The span the repeats are children of; `undefined` when they had no parent. */
  parentSpanId: string | undefined;
  fingerprint: string;
  /** Normalized text, never literal values. */
  query: string;
  summary: string;
  repeats: number;
  /** Wall-clock time the repeats took: overlapping (concurrent) spans count once. */
  durationMs: number;
  /** The spans' durations added up, as if they had run one after the other. */
  summedDurationMs: number;
  suggestion: string;
  /** The first repeat, to link the finding to a span of the trace. */
  firstSpanId: string;
}

/** What one finished request shows: its N+1 findings, and the loops some of them form together. */
export interface NPlusOneAnalysis {
  findings: NPlusOneFinding[];
  /** Loops (MN+1) whose statements are among `findings` (the same objects). */
  loops: Array<NPlusOneLoop<NPlusOneFinding>>;
}

interface Group {
  readonly spans: DetectionSpan[];
}

function isValidSpan(span: DetectionSpan): boolean {
  return (
    typeof span === 'object' &&
    span !== null &&
    (span.kind === 'db' || span.kind === 'cache' || span.kind === 'http') &&
    typeof span.fingerprint === 'string' &&
    span.fingerprint.length > 0 &&
    Number.isFinite(span.startMs) &&
    Number.isFinite(span.endMs)
  );
}

function durationOf(span: DetectionSpan): number {
  return Math.max(0, span.endMs - span.startMs);
}

function suggestionFor(span: DetectionSpan): string {
  if (typeof span.suggestion === 'string' && span.suggestion.length > 0) return span.suggestion;
  if (span.kind === 'cache') return suggestCacheBatching('get', span.fingerprint);
  const [operation = 'UNKNOWN', ...tables] = (typeof span.summary === 'string' ? span.summary : '').split(' ');
  return genericBatchingSuggestion(operation, tables);
}

/**
 * Finds N+1 patterns in one finished request: spans of one shape under one parent, at least
 * `minRepeats` of them, together taking at least `minDurationMs` of wall-clock time. Sequential and
 * concurrent repeats both count. Pure and linear in the number of spans; build one detector from the
 * configuration and reuse it for every request.
 */
export class NPlusOneDetector {
  readonly minRepeats: number;
  readonly minDurationMs: number;
  private readonly ignoreList: IgnoreList;

  constructor(options: NPlusOneOptions = {}) {
    const { minRepeats, minDurationMs } = options;
    this.minRepeats =
      typeof minRepeats === 'number' && Number.isFinite(minRepeats)
        ? Math.max(2, Math.floor(minRepeats))
        : DEFAULT_N_PLUS_ONE_MIN_REPEATS;
    this.minDurationMs =
      typeof minDurationMs === 'number' && Number.isFinite(minDurationMs) && minDurationMs >= 0
        ? minDurationMs
        : DEFAULT_N_PLUS_ONE_MIN_DURATION_MS;
    this.ignoreList = compileIgnoreList(options.ignore);
  }

  /** Ignore entries that looked like `/regex/` but did not compile, for the caller to report once. */
  get invalidIgnorePatterns(): readonly string[] {
    return this.ignoreList.invalid;
  }

  /** The N+1 findings of one finished request, the longest first. */
  detect(spans: readonly DetectionSpan[]): NPlusOneFinding[] {
    return this.analyze(spans).findings;
  }

  /** The N+1 findings of one finished request, the longest first, and the loops they form. */
  analyze(spans: readonly DetectionSpan[]): NPlusOneAnalysis {
    if (!Array.isArray(spans) || spans.length < this.minRepeats) return { findings: [], loops: [] };
    // parent span → fingerprint → group, one map per kind: no key strings are built per span.
    const databaseGroups = new Map<string | undefined, Map<string, Group>>();
    const cacheGroups = new Map<string | undefined, Map<string, Group>>();
    const httpGroups = new Map<string | undefined, Map<string, Group>>();
    const groups: Group[] = [];
    const patternVerdicts = this.ignoreList.patterns.length > 0 ? new Map<string, boolean>() : undefined;

    for (const span of spans) {
      if (!isValidSpan(span) || !this.counts(span, patternVerdicts)) continue;
      const byParent = span.kind === 'db' ? databaseGroups : span.kind === 'cache' ? cacheGroups : httpGroups;
      let byFingerprint = byParent.get(span.parentSpanId);
      if (byFingerprint === undefined) {
        byFingerprint = new Map();
        byParent.set(span.parentSpanId, byFingerprint);
      }
      const group = byFingerprint.get(span.fingerprint);
      if (group === undefined) {
        const created: Group = { spans: [span] };
        byFingerprint.set(span.fingerprint, created);
        groups.push(created);
      } else {
        group.spans.push(span);
      }
    }

    const findings: NPlusOneFinding[] = [];
    const repeated: Array<RepeatedGroup<NPlusOneFinding>> = [];
    for (const { spans: repeats } of groups) {
      if (repeats.length < this.minRepeats) continue;
      const durationMs = mergedDurationMs(repeats);
      if (durationMs < this.minDurationMs) continue;
      let summedDurationMs = 0;
      for (const span of repeats) summedDurationMs += durationOf(span);
      const first = repeats[0] as DetectionSpan;
      const finding: NPlusOneFinding = {
        kind: first.kind,
        parentSpanId: first.parentSpanId,
        fingerprint: first.fingerprint,
        query: typeof first.normalized === 'string' ? first.normalized : '',
        summary: typeof first.summary === 'string' ? first.summary : '',
        repeats: repeats.length,
        durationMs,
        summedDurationMs,
        suggestion: suggestionFor(first),
        firstSpanId: first.spanId,
      };
      findings.push(finding);
      repeated.push({ finding, spans: repeats });
    }
    if (findings.length === 0) return { findings, loops: [] };
    // Loops are looked for among every finding, before the list is cut to its cap.
    const loops = findings.length > 1 ? findLoops(repeated) : [];
    if (findings.length > 1) findings.sort((a, b) => b.durationMs - a.durationMs);
    return {
      findings: findings.length > MAX_FINDINGS_PER_REQUEST ? findings.slice(0, MAX_FINDINGS_PER_REQUEST) : findings,
      loops,
    };
  }

  /**
   * Whether `SPANLENS_N_PLUS_ONE_IGNORE` names this shape, so that nothing is spent on a finding that
   * will never be reported (its call site). Not for the hot path: regexes are tested on every call.
   */
  ignores(fingerprint: string, normalized: string): boolean {
    if (this.ignoreList.fingerprints.has(fingerprint)) return true;
    return this.ignoreList.patterns.some((pattern) => pattern.test(normalized));
  }

  private counts(span: DetectionSpan, patternVerdicts: Map<string, boolean> | undefined): boolean {
    if (span.name !== undefined && isConnectionSpanName(span.name)) return false;
    const category = span.category ?? categorizeStatementText(typeof span.normalized === 'string' ? span.normalized : '');
    if (category !== 'query') return false;
    if (this.ignoreList.fingerprints.has(span.fingerprint)) return false;
    if (patternVerdicts === undefined) return true;
    let ignored = patternVerdicts.get(span.fingerprint);
    if (ignored === undefined) {
      const text = typeof span.normalized === 'string' ? span.normalized : '';
      ignored = this.ignoreList.patterns.some((pattern) => pattern.test(text));
      patternVerdicts.set(span.fingerprint, ignored);
    }
    return !ignored;
  }
}

/** One-off detection; a span processor should keep one {@link NPlusOneDetector} instead. */
export function detectNPlusOne(spans: readonly DetectionSpan[], options: NPlusOneOptions = {}): NPlusOneFinding[] {
  return new NPlusOneDetector(options).detect(spans);
}
