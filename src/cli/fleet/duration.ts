import { CliError } from '../cli-error.js';

/** A PromQL duration (`30m`, `1h`, `1d`, `1h30m`) as the user wrote it, and its length. */
export interface PromDuration {
  text: string;
  seconds: number;
}

const UNIT_SECONDS: Record<string, number> = { y: 365 * 86_400, w: 7 * 86_400, d: 86_400, h: 3600, m: 60, s: 1, ms: 0.001 };
// Prometheus' own duration syntax: units from largest to smallest, each at most once.
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNITS_IN_ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

/** Parses the value of `flag`; anything PromQL would not accept as a positive duration is a `CliError`. */
export function parsePromDuration(text: string, flag: string): PromDuration {
  const match = DURATION.exec(text);
  const seconds =
    match === null || text === '' ? 0 : UNITS_IN_ORDER.reduce((total, unit, i) => total + Number(match[i + 1] ?? 0) * UNIT_SECONDS[unit]!, 0);
  if (!(seconds > 0)) throw new CliError(`invalid ${flag} '${text}': expected a duration such as 30m, 1h, 1d or 1h30m`);
  return { text, seconds };
}
