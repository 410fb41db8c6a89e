import { writeFile } from 'node:fs/promises';
import type { Statistics } from '../stats/statistics.js';
import { CliError, describeError } from './cli-error.js';

/** The snapshot as `--json` prints it and `--save` writes it: `--file` and `--baseline` read it back. */
export function formatSnapshotJson(statistics: Statistics): string {
  return `${JSON.stringify(statistics, null, 2)}\n`;
}

export async function saveSnapshot(statistics: Statistics, file: string): Promise<void> {
  try {
    await writeFile(file, formatSnapshotJson(statistics));
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${describeError(error)}`);
  }
}
