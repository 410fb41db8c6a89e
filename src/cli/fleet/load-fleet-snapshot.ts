import { CliError } from '../cli-error.js';
import type { Snapshot } from '../snapshot.js';
import { parsePromDuration } from './duration.js';
import { buildFleetSnapshot, type FleetQueryResults } from './fleet-snapshot.js';
import { instanceQueries, sectionQueries } from './fleet-queries.js';
import { PrometheusClient, PrometheusRejectedQuery, type PromSample } from './prometheus-client.js';
import { credentialsFrom } from './prometheus-credentials.js';
import { parseSelector } from './selector.js';

/** The window reported when `--range` is not given. */
export const DEFAULT_RANGE = '1h';

/** `spanlens report --prometheus URL [--selector SEL] [--range DUR]`. */
export interface FleetSource {
  prometheus: string;
  selector?: string;
  range?: string;
}

export interface FleetLoadOptions {
  /** Where credentials are read from (`SPANLENS_PROMETHEUS_BEARER_TOKEN`, `SPANLENS_PROMETHEUS_BASIC_AUTH`). */
  env: Record<string, string | undefined>;
  /** The end of each window (ms since the epoch): the report's, then the baseline's. */
  windowEndsMs: number[];
  timeoutMs?: number;
}

/**
 * Reads the fleet snapshot of each window in `windowEndsMs` from Prometheus: the same queries at each
 * end, the windows at once; per window the instance queries, then the section queries, each set at
 * once. Bad input fails before the first query; every failure is a one-line `CliError`.
 */
export async function loadFleetSnapshots(source: FleetSource, options: FleetLoadOptions): Promise<Snapshot[]> {
  const selector = parseSelector(source.selector ?? '');
  const range = parsePromDuration(source.range ?? DEFAULT_RANGE, '--range');
  const client = new PrometheusClient(source.prometheus, credentialsFrom(options.env), options.timeoutMs);
  return Promise.all(
    options.windowEndsMs.map(async (endMs, window) => {
      const ask = <Q extends Record<string, string>>(queries: Q) => runQueries(client, queries, endMs / 1000, selector);
      const instances = await ask(instanceQueries(selector, range.text));
      // Reading counters as they stand costs a second pass over every series: only when some instance started inside the window.
      const someStartedInside = instances.instances.some((sample) => Number(sample.value[1]) === 0);
      const sections = await ask(sectionQueries(selector, range.text, someStartedInside ? 'exact-where-possible' : 'increase'));
      const results: FleetQueryResults = { ...instances, ...sections };
      const where = `under the selector ${selector || '{}'} in the ${range.text} up to ${new Date(endMs).toISOString()}`;
      // spanlens records queries per request for every request, and its series stay once created.
      if (results.queriesPerRequest.length === 0) {
        const down = results.targets.filter((sample) => Number(sample.value[1]) === 0).length;
        throw new CliError(
          `no spanlens metrics ${where}${window > 0 ? ' (the baseline window)' : ''} at ${client.displayUrl}` +
            (down > 0 ? `; ${down} ${down === 1 ? 'target is' : 'targets are'} down` : ''),
        );
      }
      return buildFleetSnapshot(results, {
        prometheus: client.displayUrl,
        selector: selector || '{}',
        range: range.text,
        start: new Date(endMs - range.seconds * 1000).toISOString(),
        end: new Date(endMs).toISOString(),
      });
    }),
  );
}

/** Runs named queries at once; answers under the same names. */
async function runQueries<Q extends Record<string, string>>(
  client: PrometheusClient,
  queries: Q,
  timeSeconds: number,
  selector: string,
): Promise<Record<keyof Q, PromSample[]>> {
  const names = Object.keys(queries) as Array<keyof Q>;
  try {
    const answers = await Promise.all(names.map((name) => client.query(queries[name]!, timeSeconds)));
    return Object.fromEntries(names.map((name, i) => [name, answers[i]!])) as Record<keyof Q, PromSample[]>;
  } catch (error) {
    // The queries are fixed and tested: what Prometheus rejects in them came in with the selector.
    if (error instanceof PrometheusRejectedQuery) throw new CliError(`Prometheus rejected the selector ${selector || '{}'}: ${error.reason}`);
    throw error;
  }
}
