import type { Statistics } from '../stats/statistics.js';
import { CliError, describeError } from './cli-error.js';
import { type CliIo, EXIT_INTERNAL, EXIT_USAGE, printError } from './cli-io.js';
import { colour, shouldUseColour } from './colour.js';
import { loadSnapshot, type SnapshotSource } from './load-snapshot.js';
import { renderReport } from './report.js';
import { formatSnapshotJson, saveSnapshot } from './save-snapshot.js';

export interface ReportCommandOptions {
  source: SnapshotSource;
  baselineFile?: string;
  saveFile?: string;
  json?: boolean;
  /** Per-request timeout for `source.url`. */
  timeoutMs?: number;
}

/** `spanlens report` once its arguments are parsed: returns the exit code, never throws. */
export async function runReport(options: ReportCommandOptions, io: CliIo): Promise<number> {
  try {
    const current = await loadSnapshot(options.source, options.timeoutMs);
    let baseline: Statistics | undefined;
    if (options.baselineFile !== undefined) baseline = await loadSnapshot({ file: options.baselineFile });
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
