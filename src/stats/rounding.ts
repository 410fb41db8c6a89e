/** Milliseconds to the microsecond: the resolution spans are measured at, and short JSON. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Per-request averages such as queries per request, to three decimals. */
export function roundRatio(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** hits / (hits + misses) to four decimals, or null when there was no lookup. */
export function hitRate(hits: number, misses: number): number | null {
  const lookups = hits + misses;
  return lookups === 0 ? null : Math.round((hits / lookups) * 10_000) / 10_000;
}

/** `value` to `digits` significant digits (`50.175` → `50.2` with three). */
export function roundToSignificant(value: number, digits: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}
