import { formatCount } from '../format.js';
import type { FleetTarget, FleetWindow } from '../snapshot.js';

/** Down targets named in the report; the rest are counted. */
const MAX_TARGETS_NAMED = 5;

// Bucket bounds as they are (5, 7.5, 1,000), not at the report's millisecond precision.
const BOUND = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

/** The header line of a fleet report (without the bold title). */
export function fleetHeading(service: string, requests: number, fleet: FleetWindow): string {
  const instances = fleet.instances.length;
  const instancesText = `${formatCount(instances)} ${instances === 1 ? 'instance' : 'instances'}`;
  return `service ${service} · ${instancesText} · ${formatCount(requests)} requests ${windowText(fleet)}`;
}

export function windowText(fleet: FleetWindow): string {
  return `in the ${fleet.range} from ${fleet.start} to ${fleet.end}`;
}

/** Where the numbers come from and how exact they are, one labelled line each. */
export function fleetNotes(fleet: FleetWindow): string {
  const lines: Array<[string, string]> = [
    ['Source', `Prometheus ${fleet.prometheus}, selector ${fleet.selector}`],
    ['Down', downText(fleet.down, fleet.scrapeTargets)],
    ['Counts', countsText(fleet)],
    [
      'Percentiles',
      'interpolated in the request duration buckets summed over all instances (as histogram_quantile does), ' +
        `so only as fine as the buckets: ${fleet.requestDurationBucketsMs.map((bound) => BOUND.format(bound)).join(', ')} ms`,
    ],
    ['By route', 'the metrics give N+1 findings per route and query summary, slow queries per summary and the cache per namespace, not per endpoint'],
  ];
  const width = Math.max(...lines.map(([label]) => label.length)) + 2;
  return lines.map(([label, text]) => `${`${label}:`.padEnd(width)}${text}`).join('\n');
}

function downText(down: FleetTarget[], scrapeTargets: number): string {
  if (scrapeTargets === 0) return 'unknown: no scrape target under the selector (no up series), as with pushed metrics';
  if (down.length === 0) {
    const all = scrapeTargets === 1 ? 'the scrape target under the selector answered its' : `all ${formatCount(scrapeTargets)} scrape targets under the selector answered their`;
    return `none: ${all} last scrape in the window`;
  }
  const named = down.slice(0, MAX_TARGETS_NAMED).map((target) => `${target.instance} (job ${target.job})`);
  if (down.length > MAX_TARGETS_NAMED) named.push(`and ${formatCount(down.length - MAX_TARGETS_NAMED)} more`);
  const count = down.length === 1 ? '1 target' : `${formatCount(down.length)} targets`;
  const their = down.length === 1 ? 'its' : 'their';
  return `${count} failed ${their} last scrape in the window (up == 0), so requests after ${their} last good scrape are missing: ${named.join(', ')}`;
}

function countsText(fleet: FleetWindow): string {
  const extrapolated = fleet.extrapolated.length;
  const exact = fleet.instances.length - extrapolated;
  const extrapolation = "which Prometheus extrapolates to the window's edges: off by up to about one scrape interval of traffic per series";
  if (fleet.instances.length === 0) return `increase() over the window, as no target_info under the selector tells when processes started, ${extrapolation}`;
  if (extrapolated === 0) return "exact: every instance's counters started within the window, so their last values are the totals";
  if (exact === 0) return `increase() over the window, as every instance was counting before it began, ${extrapolation}`;
  return (
    `exact for ${formatCount(exact)} ${exact === 1 ? 'instance' : 'instances'} whose counters started within the window; ` +
    `increase() for ${formatCount(extrapolated)} counting before it began, ${extrapolation}`
  );
}
