/** Number formatting for the report: fixed locale (`en-US`) so the output is the same on every machine. */

const MISSING = '—';
const formats = new Map<number, Intl.NumberFormat>();

function fixed(value: number, digits: number): string {
  let format = formats.get(digits);
  if (format === undefined) {
    format = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    formats.set(digits, format);
  }
  // Avoid "-0.0" for tiny negative values.
  const text = format.format(value);
  return /^-[0.,]+$/.test(text) ? text.slice(1) : text;
}

/** Milliseconds with precision that suits their size: 0.42, 45.2, 1,234. */
export function formatMs(ms: number): string {
  const size = Math.abs(ms);
  return fixed(ms, size < 10 ? 2 : size < 1000 ? 1 : 0);
}

export function formatCount(count: number): string {
  return fixed(count, 0);
}

/** Queries per request, one decimal. */
export function formatPerRequest(value: number): string {
  return fixed(value, 1);
}

/** A ratio in [0, 1] as a percentage, or a dash when there is none. */
export function formatRate(ratio: number | null): string {
  return ratio === null ? MISSING : `${fixed(ratio * 100, 1)} %`;
}

/** A change with its sign: +1.20 ms, -45.0 ms, and 0.00 ms with none when nothing changed. */
export function formatSignedMs(ms: number): string {
  return `${signed(ms, formatMs(ms))} ms`;
}

export function formatSignedPerRequest(value: number): string {
  return signed(value, formatPerRequest(value));
}

export function formatSignedPercent(percent: number | null): string {
  return percent === null ? 'n/a' : `${signed(percent, fixed(percent, 1))} %`;
}

function signed(value: number, text: string): string {
  return value > 0 ? `+${text}` : text;
}

export function orMissing(text: string | null): string {
  return text ?? MISSING;
}
