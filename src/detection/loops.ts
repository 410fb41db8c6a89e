import type { DetectionSpanKind } from './detection-span.js';
import { suggestLoopBatching } from './loop-suggestion.js';
import { mergedDurationMs, type TimeInterval } from './merged-duration.js';

/** Loops reported per request, the longest first. */
export const MAX_LOOPS_PER_REQUEST = 20;

/** What loop detection needs of one N+1 finding. */
export interface LoopMember {
  kind: DetectionSpanKind;
  parentSpanId: string | undefined;
  fingerprint: string;
  query: string;
  summary: string;
  repeats: number;
  suggestion: string;
}

/** When a span ran: its times, and where known the exact order in which spans started and ended. */
export interface LoopSpan extends TimeInterval {
  startOrder?: number;
  endOrder?: number;
}

/** An N+1 finding with the spans it was found in. */
export interface RepeatedGroup<Member extends LoopMember = LoopMember> {
  finding: Member;
  spans: readonly LoopSpan[];
}

/**
 * One loop of the application (MN+1): for each of `iterations` items it ran the same `statements`, in
 * this order, under one parent span. Each statement is also an N+1 finding of its own.
 */
export interface NPlusOneLoop<Member extends LoopMember = LoopMember> {
  parentSpanId: string | undefined;
  iterations: number;
  /** The loop body's statements in the order one iteration runs them. */
  statements: Member[];
  /** Wall-clock time of all its statements, overlaps counted once. */
  durationMs: number;
  suggestion: string;
}

interface Candidate<Member extends LoopMember> {
  group: RepeatedGroup<Member>;
  /** Starts and ends of its spans, each sorted: in start and end order where known, else in milliseconds. */
  starts: number[];
  ends: number[];
}

/**
 * Groups N+1 findings that are one loop: findings under one parent with the same number of repeats,
 * where each statement hands over to the next item by item — the k-th repeat of the next statement
 * starts after the k-th repeat of the previous one ended, and before its (k+1)-th ended. A loop body
 * that awaits its statements one after the other satisfies it whether the items run one by one or
 * concurrently (`Promise.all` over the items); two independent N+1s do not: one after the other, the
 * second starts after all repeats of the first; side by side, it starts before the first one ended.
 * Spans are compared by the order they started and ended in when every span has it (span start
 * times have millisecond resolution, too coarse for queries that take one), else by their times.
 * Pure; linear in the spans of the findings compared.
 */
export function findLoops<Member extends LoopMember>(groups: readonly RepeatedGroup<Member>[]): NPlusOneLoop<Member>[] {
  const buckets = new Map<string | undefined, Map<number, Array<RepeatedGroup<Member>>>>();
  for (const group of groups) {
    let byRepeats = buckets.get(group.finding.parentSpanId);
    if (byRepeats === undefined) {
      byRepeats = new Map();
      buckets.set(group.finding.parentSpanId, byRepeats);
    }
    const bucket = byRepeats.get(group.finding.repeats);
    if (bucket === undefined) byRepeats.set(group.finding.repeats, [group]);
    else bucket.push(group);
  }

  const loops: NPlusOneLoop<Member>[] = [];
  for (const byRepeats of buckets.values()) {
    for (const [iterations, bucket] of byRepeats) {
      if (bucket.length < 2) continue;
      const ordered = bucket.every((group) => group.spans.every(hasOrder));
      for (const chain of chainsOf(bucket.map((group) => candidateOf(group, ordered)))) {
        if (chain.length < 2) continue;
        const statements = chain.map((candidate) => candidate.group.finding);
        loops.push({
          parentSpanId: statements[0]!.parentSpanId,
          iterations,
          statements,
          durationMs: mergedDurationMs(chain.flatMap((candidate) => candidate.group.spans)),
          suggestion: suggestLoopBatching(iterations, statements),
        });
      }
    }
  }
  loops.sort((a, b) => b.durationMs - a.durationMs);
  return loops.length > MAX_LOOPS_PER_REQUEST ? loops.slice(0, MAX_LOOPS_PER_REQUEST) : loops;
}

function candidateOf<Member extends LoopMember>(group: RepeatedGroup<Member>, ordered: boolean): Candidate<Member> {
  const starts = group.spans.map((span) => (ordered ? span.startOrder! : span.startMs)).sort(ascending);
  const ends = group.spans.map((span) => (ordered ? span.endOrder! : Math.max(span.startMs, span.endMs))).sort(ascending);
  return { group, starts, ends };
}

function hasOrder(span: LoopSpan): boolean {
  return typeof span.startOrder === 'number' && typeof span.endOrder === 'number';
}

/** Statements in the order they first ran, each appended to the chain whose last statement hands over to it. */
function chainsOf<Member extends LoopMember>(candidates: Array<Candidate<Member>>): Array<Array<Candidate<Member>>> {
  candidates.sort((a, b) => a.starts[0]! - b.starts[0]!);
  const chains: Array<Array<Candidate<Member>>> = [];
  for (const candidate of candidates) {
    const chain = chains.find((open) => handsOver(open[open.length - 1]!, candidate));
    if (chain === undefined) chains.push([candidate]);
    else chain.push(candidate);
  }
  return chains;
}

/** Whether `next` runs item by item after `previous`: each of its starts falls between two of `previous`' ends. */
function handsOver<Member extends LoopMember>(previous: Candidate<Member>, next: Candidate<Member>): boolean {
  const count = next.starts.length;
  if (previous.ends.length !== count) return false;
  for (let i = 0; i < count; i += 1) {
    const start = next.starts[i]!;
    if (start < previous.ends[i]!) return false;
    if (i + 1 < count && start >= previous.ends[i + 1]!) return false;
  }
  return true;
}

function ascending(a: number, b: number): number {
  return a - b;
}
