/** The label every value past a limiter's cap is counted under. */
export const OVERFLOW_LABEL = 'OTHER';

/**
 * Keeps a metric label's values bounded: the first `maxValues` distinct values pass, later new ones
 * become `OTHER`. Routes (`SPANLENS_MAX_ROUTES`) and query summaries use it.
 */
export class LabelLimiter {
  private readonly known = new Set<string>();

  constructor(private readonly maxValues: number) {}

  /** Whether `value` already has a label of its own. */
  has(value: string): boolean {
    return this.known.has(value);
  }

  limit(value: string): string {
    if (this.known.has(value)) return value;
    if (this.known.size >= this.maxValues) return OVERFLOW_LABEL;
    this.known.add(value);
    return value;
  }
}
