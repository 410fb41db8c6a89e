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
 *
 * Most requests run one shape under one parent, or none twice: the first group is kept in fields, and
 * maps are made only for a second one (they cost more to allocate than the counting itself).
 */
export class CallSiteWatch {
  private firstParent: string | undefined;
  private firstShape: string | undefined;
  private first: Watched | undefined;
  private byParent: Map<string | undefined, Map<string, Watched>> | undefined;
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
    const watched = this.existing(parentSpanId, shape);
    if (watched !== undefined && watched.announced > 0) {
      watched.announced -= 1;
      return false;
    }
    return this.issued(parentSpanId, shape);
  }

  /** Stores the call site captured when {@link issued} said so. */
  record(parentSpanId: string | undefined, shape: string, callSite: CallSite | null): void {
    const watched = this.existing(parentSpanId, shape);
    if (watched !== undefined) watched.callSite = callSite;
  }

  /** The call site of a group, `null` when none was captured or no app frame was visible. */
  callSiteOf(parentSpanId: string | undefined, shape: string): CallSite | null {
    return this.existing(parentSpanId, shape)?.callSite ?? null;
  }

  private existing(parentSpanId: string | undefined, shape: string): Watched | undefined {
    if (this.first !== undefined && this.firstShape === shape && this.firstParent === parentSpanId) return this.first;
    return this.byParent?.get(parentSpanId)?.get(shape);
  }

  private watched(parentSpanId: string | undefined, shape: string): Watched | undefined {
    const known = this.existing(parentSpanId, shape);
    if (known !== undefined) return known;
    if (this.shapes >= MAX_WATCHED_SHAPES_PER_REQUEST) return undefined;
    this.shapes += 1;
    const watched: Watched = { issued: 0, announced: 0, callSite: undefined };
    if (this.first === undefined) {
      this.first = watched;
      this.firstParent = parentSpanId;
      this.firstShape = shape;
      return watched;
    }
    this.byParent ??= new Map();
    let byShape = this.byParent.get(parentSpanId);
    if (byShape === undefined) {
      byShape = new Map();
      this.byParent.set(parentSpanId, byShape);
    }
    byShape.set(shape, watched);
    return watched;
  }
}
