import type { CacheLookupSample } from '../processors/request-summary.js';
import { OVERFLOW_LABEL } from '../processors/label-limiter.js';
import { hitRate } from './rounding.js';
import type { CacheState } from './statistics-state.js';
import type { CacheStatistics } from './statistics.js';

/** Distinct keyv namespaces listed; lookups in later new namespaces count under `OTHER`. */
export const MAX_CACHE_NAMESPACES = 100;

interface Tally {
  hits: number;
  misses: number;
}

/** Cache hits and misses overall and per namespace. */
export class CacheAccumulator {
  private hits = 0;
  private misses = 0;
  // Keyed by namespace; `null` is the store without a namespace.
  private readonly namespaces = new Map<string | null, Tally>();

  constructor(private readonly maxNamespaces = MAX_CACHE_NAMESPACES) {}

  /** The request's own totals, which also include lookups not attributed to a namespace. */
  recordTotals(hits: number, misses: number): void {
    this.hits += hits;
    this.misses += misses;
  }

  recordLookups(lookup: CacheLookupSample): void {
    const tally = this.tallyOf(lookup.namespace ?? null);
    tally.hits += lookup.hits;
    tally.misses += lookup.misses;
  }

  state(): CacheState {
    const namespaces = [...this.namespaces.entries()].map(([namespace, { hits, misses }]) => ({ namespace, hits, misses }));
    return { hits: this.hits, misses: this.misses, namespaces };
  }

  /** Adds another process' totals; its namespaces count against the same cap as this one's. */
  merge(state: CacheState): void {
    this.recordTotals(state.hits, state.misses);
    for (const { namespace, hits, misses } of state.namespaces) this.recordLookups({ namespace: namespace ?? undefined, hits, misses });
  }

  snapshot(): CacheStatistics {
    const namespaces = [...this.namespaces.entries()]
      .map(([namespace, { hits, misses }]) => ({ namespace, hits, misses, hitRate: hitRate(hits, misses) }))
      .sort((a, b) => b.hits + b.misses - (a.hits + a.misses) || compareNullable(a.namespace, b.namespace));
    return { hits: this.hits, misses: this.misses, hitRate: hitRate(this.hits, this.misses), namespaces };
  }

  private tallyOf(namespace: string | null): Tally {
    let tally = this.namespaces.get(namespace);
    if (tally !== undefined) return tally;
    // The overflow bucket itself does not take one of the listed places.
    const listed = this.namespaces.size - (this.namespaces.has(OVERFLOW_LABEL) ? 1 : 0);
    const key = listed >= this.maxNamespaces ? OVERFLOW_LABEL : namespace;
    tally = this.namespaces.get(key);
    if (tally === undefined) {
      tally = { hits: 0, misses: 0 };
      this.namespaces.set(key, tally);
    }
    return tally;
  }
}

function compareNullable(a: string | null, b: string | null): number {
  const left = a ?? '';
  const right = b ?? '';
  return left < right ? -1 : left > right ? 1 : 0;
}
