import type { CallSite } from '../call-sites/call-site.js';
import type { NPlusOneKind } from './statistics.js';

/**
 * A `StatisticsStore`'s running totals in a form another store can add up exactly: plain JSON (it
 * crosses the IPC channel of `node:cluster`), latency histograms encoded whole rather than as
 * percentiles, because percentiles of several processes cannot be combined but their histograms can.
 */
export interface StatisticsState {
  since: string;
  requests: number;
  /** The overflow endpoint (`* OTHER`) included. */
  endpoints: EndpointState[];
  cache: CacheState;
  slowQueries: SlowQueryState[];
  nPlusOne: NPlusOneState[];
  /** Absent in states of workers that predate merged loops: none. */
  loops?: LoopState[];
}

export interface EndpointState {
  method: string | null;
  route: string;
  requests: number;
  totalMs: number;
  minMs: number;
  maxMs: number;
  /** The latency histogram of durations, as `LatencyHistogram.encode()` writes it (latency-histogram-encoding.ts). */
  latency: string;
  slow: number;
  totalQueries: number;
  maxQueries: number;
  /** Absent in states of workers that predate outgoing HTTP counts. */
  totalHttpCalls?: number;
  cacheHits: number;
  cacheMisses: number;
  withNPlusOne: number;
}

export interface CacheState {
  hits: number;
  misses: number;
  namespaces: { namespace: string | null; hits: number; misses: number }[];
}

export interface SlowQueryState {
  fingerprint: string;
  query: string;
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface NPlusOneState {
  route: string;
  /** Absent in states of workers that predate N+1 kinds: `db`. */
  kind?: NPlusOneKind;
  fingerprint: string;
  query: string;
  occurrences: number;
  inLoops?: number;
  repeats: number;
  suggestion: string;
  callSite?: CallSite | null;
}

export interface LoopState {
  route: string;
  /** The statements run once per item, in order. */
  statements: { fingerprint: string; query: string }[];
  occurrences: number;
  iterations: number;
  suggestion: string;
  callSite: CallSite | null;
}
