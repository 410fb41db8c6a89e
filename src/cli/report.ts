import Table from 'cli-table3';
import { withControlCharactersEscaped } from '../control-characters.js';
import { type Colour, colour as colourFor } from './colour.js';
import { compareSnapshots, type MetricChange, type SnapshotComparison } from './compare.js';
import { findingsSection } from './findings-section.js';
import { fleetHeading, fleetNotes, windowText } from './fleet/fleet-notes.js';
import {
  formatCount,
  formatMs,
  formatPerRequest,
  formatRate,
  formatSignedMs,
  formatSignedPercent,
  formatSignedPerRequest,
  orMissing,
} from './format.js';
import type { Snapshot, SnapshotEndpoint, SnapshotNPlusOne, SnapshotSlowQuery } from './snapshot.js';

/** Rows shown per section; the full lists are in `--json`. */
export const REPORT_TOP_ROWS = 10;

/** Width of the query text column; longer statements wrap. */
const QUERY_COLUMN_WIDTH = 64;

export interface ReportOptions {
  /** A saved snapshot to compare with. */
  baseline?: Snapshot;
  colour?: Colour;
}

type Align = 'left' | 'right';

/**
 * The human-readable report of a snapshot (and its comparison with a baseline), ending with a newline.
 * A fleet snapshot adds where its numbers come from and lists N+1 findings and slow queries by their
 * query summary, which is what its metrics carry. Text in a snapshot came from requests and statements,
 * or from a file anyone could have written: its control characters are printed as escapes, so that the
 * only ones on the terminal are spanlens' colours.
 */
export function renderReport(snapshot: Snapshot, options: ReportOptions = {}): string {
  const current = withControlCharactersEscaped(snapshot);
  const baseline = options.baseline === undefined ? undefined : withControlCharactersEscaped(options.baseline);
  const colour = options.colour ?? colourFor(false);
  const fleet = current.fleet;
  const sections =
    fleet === undefined
      ? [`${colour.bold('spanlens report')} · service ${current.service} · ${formatCount(current.requests)} requests since ${current.since}`]
      : [`${colour.bold('spanlens fleet report')} · ${fleetHeading(current.service, current.requests, fleet)}`, fleetNotes(fleet)];
  sections.push(
    endpointsSection(current.endpoints, colour),
    fleet === undefined ? findingsSection(current, colour, REPORT_TOP_ROWS) : nPlusOneBySummarySection(current.nPlusOne, colour),
    fleet === undefined ? slowQueriesSection(current.slowQueries, colour) : slowQueriesBySummarySection(current.slowQueries, colour),
    cacheSection(current, colour),
  );
  if (baseline !== undefined) sections.push(comparisonSection(compareSnapshots(current, baseline), baseline, colour));
  return `${sections.join('\n\n')}\n`;
}

function endpointsSection(endpoints: SnapshotEndpoint[], colour: Colour): string {
  const title = heading(`Top endpoints by total time${shownOf(endpoints.length)}`, colour);
  if (endpoints.length === 0) return `${title}\nNo requests recorded yet.`;
  const rows = endpoints.slice(0, REPORT_TOP_ROWS).map((endpoint) => [
    orMissing(endpoint.method),
    endpoint.route,
    formatCount(endpoint.requests),
    formatMs(endpoint.avgMs),
    formatMs(endpoint.p95Ms),
    formatMs(endpoint.p99Ms),
    formatPerRequest(endpoint.dbQueriesAvg),
    endpoint.slow > 0 ? colour.yellow(formatCount(endpoint.slow)) : '0',
    formatRate(endpoint.cacheHitRate),
  ]);
  const head = ['method', 'route', 'requests', 'avg ms', 'p95 ms', 'p99 ms', 'queries/req', 'slow', 'cache hit rate'];
  const aligns: Align[] = ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'];
  return `${title}\n${table(head, aligns, rows, colour)}`;
}

function nPlusOneBySummarySection(findings: SnapshotNPlusOne[], colour: Colour): string {
  const title = heading(`N+1 queries by route and query summary${shownOf(findings.length)}`, colour);
  if (findings.length === 0) return `${title}\nNone found.`;
  const rows = findings.slice(0, REPORT_TOP_ROWS).map((finding) => [colour.yellow(finding.route), finding.query, formatCount(finding.occurrences)]);
  return [
    title,
    table(['route', 'query summary', 'findings'], ['left', 'left', 'right'], rows, colour),
    "The statement, its repeats and the suggested fix are on each finding's trace (span event spanlens.n_plus_one) and in the instance's /stats.",
  ].join('\n');
}

function slowQueriesBySummarySection(queries: SnapshotSlowQuery[], colour: Colour): string {
  const title = heading(`Slow queries by count${shownOf(queries.length)}`, colour);
  if (queries.length === 0) return `${title}\nNone.`;
  const rows = queries.slice(0, REPORT_TOP_ROWS).map((query) => [query.query, formatCount(query.count)]);
  return `${title}\n${table(['query summary', 'count'], ['left', 'right'], rows, colour)}`;
}

function slowQueriesSection(queries: SnapshotSlowQuery[], colour: Colour): string {
  const title = heading(`Slow queries by total time${shownOf(queries.length)}`, colour);
  if (queries.length === 0) return `${title}\nNone.`;
  const rows = queries
    .slice(0, REPORT_TOP_ROWS)
    .map((query) => [query.query, formatCount(query.count), formatMsOrMissing(query.avgMs), formatMsOrMissing(query.maxMs)]);
  return `${title}\n${table(['query', 'count', 'avg ms', 'max ms'], ['left', 'right', 'right', 'right'], rows, colour, [
    QUERY_COLUMN_WIDTH,
  ])}`;
}

function cacheSection(current: Snapshot, colour: Colour): string {
  const { cache } = current;
  const lookups = cache.hits + cache.misses;
  const title = heading('Cache', colour);
  if (lookups === 0) return `${title}\nNo cache lookups.`;
  const summary = `Hit rate ${formatRate(cache.hitRate)} (${formatCount(cache.hits)} hits, ${formatCount(cache.misses)} misses)`;
  if (cache.namespaces.length === 0) return `${title}\n${summary}`;
  const rows = cache.namespaces
    .slice(0, REPORT_TOP_ROWS)
    .map((namespace) => [
      orMissing(namespace.namespace),
      formatCount(namespace.hits),
      formatCount(namespace.misses),
      formatRate(namespace.hitRate),
    ]);
  const more = cache.namespaces.length > REPORT_TOP_ROWS ? ` (top ${REPORT_TOP_ROWS} of ${cache.namespaces.length} namespaces)` : '';
  const namespaces = table(['namespace', 'hits', 'misses', 'hit rate'], ['left', 'right', 'right', 'right'], rows, colour);
  return `${title}\n${summary}${more}\n${namespaces}`;
}

function comparisonSection(comparison: SnapshotComparison, baseline: Snapshot, colour: Colour): string {
  const when = baseline.fleet === undefined ? `since ${baseline.since}` : windowText(baseline.fleet);
  const compared = comparison.endpoints.length;
  const top = compared > REPORT_TOP_ROWS ? `, the top ${REPORT_TOP_ROWS} of ${formatCount(compared)} endpoints by total time` : '';
  const title = heading(`Compared with the baseline (${formatCount(baseline.requests)} requests ${when})${top}`, colour);
  const lines = [title];
  if (compared > 0) {
    const rows = comparison.endpoints.slice(0, REPORT_TOP_ROWS).map((endpoint) => [
      orMissing(endpoint.method),
      endpoint.route,
      beforeAfter(endpoint.avgMs, formatMs),
      change(endpoint.avgMs, formatSignedMs, colour),
      beforeAfter(endpoint.p95Ms, formatMs),
      change(endpoint.p95Ms, formatSignedMs, colour),
      beforeAfter(endpoint.dbQueriesPerRequest, formatPerRequest),
      change(endpoint.dbQueriesPerRequest, formatSignedPerRequest, colour),
    ]);
    const head = ['method', 'route', 'avg ms', 'avg change', 'p95 ms', 'p95 change', 'queries/req', 'queries change'];
    const aligns: Align[] = ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'];
    lines.push(table(head, aligns, rows, colour));
  }
  const notCompared: string[] = [];
  if (comparison.onlyInCurrent > 0) notCompared.push(`${comparison.onlyInCurrent} only in this snapshot`);
  if (comparison.onlyInBaseline > 0) notCompared.push(`${comparison.onlyInBaseline} only in the baseline`);
  if (notCompared.length > 0) lines.push(`Endpoints not compared: ${notCompared.join(', ')}.`);

  const overall = comparison.overall;
  if (overall === null || overall.improvementPercent === null) {
    lines.push('Overall: no endpoint with traffic in both snapshots to compare.');
    return lines.join('\n');
  }
  const improvement = overall.improvementPercent;
  const verdict =
    improvement > 0
      ? colour.green(`${formatPercentMagnitude(improvement)} faster`)
      : improvement < 0
        ? colour.red(`${formatPercentMagnitude(improvement)} slower`)
        : 'no change';
  // See OverallComparison for why both averages use the current request counts as weights.
  const { avgMs, dbQueriesPerRequest: queries } = overall;
  lines.push(
    `${colour.bold('Overall:')} ${verdict}: average request time ${formatMs(avgMs.before)} ms → ${formatMs(avgMs.after)} ms, ` +
      `queries per request ${formatPerRequest(queries.before)} → ${formatPerRequest(queries.after)}`,
    `(averages over the ${overall.endpoints} ${plural(overall.endpoints, 'endpoint')} in both snapshots, ` +
      `each weighted by its requests in this snapshot, ${formatCount(overall.requests)} in all)`,
  );
  return lines.join('\n');
}

function table(head: string[], aligns: Align[], rows: string[][], colour: Colour, colWidths: Array<number | null> = []): string {
  const wrapped = colWidths.length > 0;
  const instance = new Table({
    head: head.map((name) => colour.bold(name)),
    colAligns: aligns,
    // Rows that wrap keep a rule between them; one-line rows read better without.
    style: { head: [], border: [], compact: !wrapped },
    ...(wrapped ? { colWidths, wordWrap: true, wrapOnWordBoundary: true } : {}),
  });
  instance.push(...rows);
  return instance.toString();
}

function heading(text: string, colour: Colour): string {
  return colour.bold(text);
}

function shownOf(total: number): string {
  return total > REPORT_TOP_ROWS ? ` (top ${REPORT_TOP_ROWS} of ${total})` : '';
}

function beforeAfter(metric: MetricChange, format: (value: number) => string): string {
  return `${format(metric.before)} → ${format(metric.after)}`;
}

// Lower is better for every compared metric: a decrease is green, an increase red.
function change(metric: MetricChange, format: (value: number) => string, colour: Colour): string {
  const text = `${format(metric.change)} (${formatSignedPercent(metric.changePercent)})`;
  return metric.change < 0 ? colour.green(text) : metric.change > 0 ? colour.red(text) : text;
}

function formatMsOrMissing(ms: number | null): string {
  return orMissing(ms === null ? null : formatMs(ms));
}

function formatPercentMagnitude(percent: number): string {
  return formatSignedPercent(Math.abs(percent)).slice(1);
}

function plural(count: number, noun: string): string {
  return count === 1 ? noun : `${noun}s`;
}
