import { writeFile } from 'node:fs/promises';
import { CliError, describeError } from './cli-error.js';
import type { Snapshot } from './snapshot.js';

/** The snapshot as `--json` prints it and `--save` writes it: `--file` and `--baseline` read it back. */
export function formatSnapshotJson(snapshot: Snapshot): string {
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

export async function saveSnapshot(snapshot: Snapshot, file: string): Promise<void> {
  try {
    await writeFile(file, formatSnapshotJson(snapshot));
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${describeError(error)}`);
  }
}
