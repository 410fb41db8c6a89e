import type { CallSite } from './call-site.js';

/** Shapes (per parent) counted per request; operations of later new shapes get no call site. */
export const MAX_WATCHED_SHAPES_PER_REQUEST = 2_000;

interface Watched {
  /** Operations of this shape issued under this parent so far. */
  issued: number;
  /** Issued ahead of their span (pg's `Pool.query`): the span's start must not count them again. */
  announced: number;
  /** Captured when `issued` reached the threshold; `null` when no app frame was visible. */
  callSite: CallSite | null | undefined;
}

/**
 * Counts, per request, the operations the app issues of each shape under each parent span, at the
 * moment it issues them — inside its own call into the driver, where its frame is on the stack — so
 * that the call site of an N+1 can be captured once per group, when the group reaches the repeat
 * threshold, and never per operation.
 */
export class CallSiteWatch {
  private readonly byParent = new Map<string | undefined, Map<string, Watched>>();
  private shapes = 0;

  constructor(readonly threshold: number) {}

  /**
   * One operation of `shape` was issued under `parentSpanId`; `true` exactly once per group, when this
   * one reaches the threshold: the moment to capture its call site.
   */
  issued(parentSpanId: string | undefined, shape: string): boolean {
    const watched = this.watched(parentSpanId, shape);
    if (watched === undefined) return false;
    watched.issued += 1;
    return watched.issued === this.threshold;
  }

  /** Like {@link issued}, for an operation whose span will start later and report {@link spanStarted}. */
  issuedAhead(parentSpanId: string | undefined, shape: string): boolean {
    const watched = this.watched(parentSpanId, shape);
    if (watched === undefined) return false;
    watched.announced += 1;
    watched.issued += 1;
    return watched.issued === this.threshold;
  }

  /** The span of an operation of `shape` started: it counts as issued unless it was announced ahead. */
  spanStarted(parentSpanId: string | undefined, shape: string): boolean {
    const watched = this.byParent.get(parentSpanId)?.get(shape);
    if (watched !== undefined && watched.announced > 0) {
      watched.announced -= 1;
      return false;
    }
    return this.issued(parentSpanId, shape);
  }

  /** Stores the call site captured when {@link issued} said so. */
  record(parentSpanId: string | undefined, shape: string, callSite: CallSite | null): void {
    const watched = this.byParent.get(parentSpanId)?.get(shape);
    if (watched !== undefined) watched.callSite = callSite;
  }

  /** The call site of a group, `null` when none was captured or no app frame was visible. */
  callSiteOf(parentSpanId: string | undefined, shape: string): CallSite | null {
    return this.byParent.get(parentSpanId)?.get(shape)?.callSite ?? null;
  }

  private watched(parentSpanId: string | undefined, shape: string): Watched | undefined {
    let byShape = this.byParent.get(parentSpanId);
    let watched = byShape?.get(shape);
    if (watched !== undefined) return watched;
    if (this.shapes >= MAX_WATCHED_SHAPES_PER_REQUEST) return undefined;
    if (byShape === undefined) {
      byShape = new Map();
      this.byParent.set(parentSpanId, byShape);
    }
    this.shapes += 1;
    watched = { issued: 0, announced: 0, callSite: undefined };
    byShape.set(shape, watched);
    return watched;
  }
}
