import { CliError, describeError } from './cli-error.js';
import { type CliIo, EXIT_INTERNAL, EXIT_USAGE, printError } from './cli-io.js';
import { colour, shouldUseColour } from './colour.js';
import { parsePromDuration } from './fleet/duration.js';
import { type FleetSource, loadFleetSnapshots } from './fleet/load-fleet-snapshot.js';
import { loadSnapshot, type SnapshotSource } from './load-snapshot.js';
import { renderReport } from './report.js';
import { formatSnapshotJson, saveSnapshot } from './save-snapshot.js';
import type { Snapshot } from './snapshot.js';

export interface ReportCommandOptions {
  /** A process's `/stats` (`url`), a saved snapshot (`file`), or a fleet from Prometheus (`prometheus`). */
  source: SnapshotSource | FleetSource;
  baselineFile?: string;
  /** With a fleet source: compare with the same window this long before (a PromQL duration). */
  baselineOffset?: string;
  saveFile?: string;
  json?: boolean;
  /** Per-request timeout for `source.url` or each Prometheus query. */
  timeoutMs?: number;
}

/** `spanlens report` once its arguments are parsed: returns the exit code, never throws. */
export async function runReport(options: ReportCommandOptions, io: CliIo): Promise<number> {
  try {
    const [current, offsetBaseline] = await loadCurrent(options, io);
    const baseline = options.baselineFile !== undefined ? await loadSnapshot({ file: options.baselineFile }) : offsetBaseline;
    if (options.saveFile !== undefined) await saveSnapshot(current, options.saveFile);
    io.stdout.write(
      options.json === true
        ? formatSnapshotJson(current)
        : renderReport(current, { colour: colour(shouldUseColour(io)), ...(baseline === undefined ? {} : { baseline }) }),
    );
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      printError(io, error.message);
      return EXIT_USAGE;
    }
    printError(io, `internal error: ${describeError(error)}`);
    return EXIT_INTERNAL;
  }
}

/** The snapshot to report, and with `baselineOffset` the one of the earlier window. */
async function loadCurrent(options: ReportCommandOptions, io: CliIo): Promise<[Snapshot, Snapshot?]> {
  if (!('prometheus' in options.source)) {
    if (options.baselineOffset !== undefined) throw new CliError('--baseline-offset needs --prometheus');
    return [await loadSnapshot(options.source, options.timeoutMs)];
  }
  const endMs = Date.now();
  const windowEndsMs = [endMs];
  if (options.baselineOffset !== undefined) windowEndsMs.push(endMs - parsePromDuration(options.baselineOffset, '--baseline-offset').seconds * 1000);
  const [current, baseline] = await loadFleetSnapshots(options.source, {
    env: io.env,
    windowEndsMs,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return [current!, baseline];
}
