import { writeFile } from 'node:fs/promises';
import { escapeControlCharactersInJson } from '../control-characters.js';
import { CliError, describeError } from './cli-error.js';
import type { Snapshot } from './snapshot.js';

/**
 * The snapshot as `--json` prints it and `--save` writes it: `--file` and `--baseline` read it back. Every
 * control character in its strings is a `\uXXXX` escape (JSON.stringify leaves DEL, C1 and bidi controls).
 */
export function formatSnapshotJson(snapshot: Snapshot): string {
  return `${escapeControlCharactersInJson(JSON.stringify(snapshot, null, 2))}\n`;
}

export async function saveSnapshot(snapshot: Snapshot, file: string): Promise<void> {
  try {
    await writeFile(file, formatSnapshotJson(snapshot));
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${describeError(error)}`);
  }
}
