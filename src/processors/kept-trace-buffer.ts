/** Spans held for one request whose trace the sampler dropped; past it, later spans of it are not kept. */
export const MAX_BUFFERED_SPANS_PER_TRACE = 1_000;
/** Spans held over all open requests (about 0.9 KiB each: 9 MiB at most); past it the oldest request's spans are let go. */
export const MAX_BUFFERED_SPANS = 10_000;
/** Requests held open at once; past it the oldest is let go (a root that never ends must not stay). */
export const MAX_OPEN_TRACES = 10_000;
/** How long after a kept request's root ended its trace's late spans are still exported. */
export const LATE_SPAN_WINDOW_MS = 10_000;
/** Kept traces remembered for their late spans; past it the oldest is forgotten. */
export const MAX_REMEMBERED_KEPT_TRACES = 1_000;

export interface KeptTraceLimits {
  maxSpansPerTrace: number;
  maxSpans: number;
  maxOpenTraces: number;
  lateSpanWindowMs: number;
  maxRememberedKeptTraces: number;
}

export const DEFAULT_KEPT_TRACE_LIMITS: KeptTraceLimits = {
  maxSpansPerTrace: MAX_BUFFERED_SPANS_PER_TRACE,
  maxSpans: MAX_BUFFERED_SPANS,
  maxOpenTraces: MAX_OPEN_TRACES,
  lateSpanWindowMs: LATE_SPAN_WINDOW_MS,
  maxRememberedKeptTraces: MAX_REMEMBERED_KEPT_TRACES,
};

/** What the buffer had to let go, for a one-time warning by its owner. */
export type BufferLoss = 'trace-full' | 'buffer-full' | 'too-many-open';

interface OpenTrace<S> {
  spans: S[];
  /** Local roots of this trace still running in this process (a process calling itself has two). */
  openRoots: number;
}

/**
 * Holds the ended spans of requests whose trace the head sampler dropped, by trace id, until the
 * request's root ends and says whether the trace is worth keeping: then they are handed over in the
 * order they ended, or let go. Knows nothing of spans beyond their trace id, so it is tested alone.
 *
 * Bounded three ways (spans per trace, spans in all, open requests), oldest request first to go, so
 * roots that never end cost a bounded amount and are pushed out by newer ones. A kept trace is
 * remembered for a short while, so that its spans ending after the root still go out.
 */
export class KeptTraceBuffer<S> {
  private readonly open = new Map<string, OpenTrace<S>>();
  /** Trace id → time (`now()`) until which its late spans are exported; insertion order is expiry order. */
  private readonly kept = new Map<string, number>();
  private spanCount = 0;

  constructor(
    private readonly limits: KeptTraceLimits = DEFAULT_KEPT_TRACE_LIMITS,
    private readonly onLoss: (loss: BufferLoss) => void = () => {},
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Spans held now, over all open requests. */
  get bufferedSpans(): number {
    return this.spanCount;
  }

  /** Requests held open now. */
  get openTraces(): number {
    return this.open.size;
  }

  /** A request of this trace started (its root span, unsampled): hold its spans until it ends. */
  openRequest(traceId: string): void {
    const trace = this.open.get(traceId);
    if (trace !== undefined) {
      trace.openRoots += 1;
      return;
    }
    // Its spans go straight out as late spans of the trace already kept.
    if (this.isKept(traceId)) return;
    if (this.open.size >= this.limits.maxOpenTraces) {
      this.evictOldest(undefined);
      this.onLoss('too-many-open');
    }
    this.open.set(traceId, { spans: [], openRoots: 1 });
  }

  /**
   * A span of this trace ended, not its root. Returns true when the span should be exported now: its
   * trace was kept a short while ago. Otherwise the buffer holds it (or, past a bound, lets it go).
   */
  add(traceId: string, span: S): boolean {
    const trace = this.open.get(traceId);
    if (trace === undefined) return this.kept.size > 0 && this.isKept(traceId);
    if (trace.spans.length >= this.limits.maxSpansPerTrace) {
      this.onLoss('trace-full');
      return false;
    }
    if (this.spanCount >= this.limits.maxSpans) {
      this.onLoss('buffer-full');
      if (!this.evictOldest(traceId)) return false;
    }
    trace.spans.push(span);
    this.spanCount += 1;
    return false;
  }

  /**
   * The request's root ended and its trace is worth keeping: returns the spans held for it, in the
   * order they ended (none if it was let go), and remembers the trace for its late spans.
   */
  keep(traceId: string): S[] {
    const trace = this.open.get(traceId);
    this.remember(traceId);
    if (trace === undefined) return [];
    this.release(traceId, trace);
    return trace.spans;
  }

  /**
   * The request's root ended and is not worth keeping: its spans are let go once no other request of
   * the trace runs here. Returns true when the trace was kept already (the root itself goes out then).
   */
  drop(traceId: string): boolean {
    const trace = this.open.get(traceId);
    if (trace === undefined) return this.kept.size > 0 && this.isKept(traceId);
    trace.openRoots -= 1;
    if (trace.openRoots <= 0) this.release(traceId, trace);
    return false;
  }

  /** Lets everything go (at shutdown). */
  clear(): void {
    this.open.clear();
    this.kept.clear();
    this.spanCount = 0;
  }

  private release(traceId: string, trace: OpenTrace<S>): void {
    this.open.delete(traceId);
    this.spanCount -= trace.spans.length;
  }

  /** Lets the oldest open request other than `sparing` go; false when there is none. */
  private evictOldest(sparing: string | undefined): boolean {
    for (const [traceId, trace] of this.open) {
      if (traceId === sparing) continue;
      this.release(traceId, trace);
      return true;
    }
    return false;
  }

  private remember(traceId: string): void {
    const now = this.now();
    for (const [oldest, until] of this.kept) {
      if (until >= now && this.kept.size < this.limits.maxRememberedKeptTraces) break;
      this.kept.delete(oldest);
    }
    this.kept.delete(traceId);
    this.kept.set(traceId, now + this.limits.lateSpanWindowMs);
  }

  private isKept(traceId: string): boolean {
    const until = this.kept.get(traceId);
    if (until === undefined) return false;
    if (until >= this.now()) return true;
    this.kept.delete(traceId);
    return false;
  }
}
