import { writeFile } from 'node:fs/promises';
import { escapeControlCharactersInJson } from '../control-characters.js';
import type { Statistics } from '../stats/statistics.js';
import { CliError, describeError } from './cli-error.js';

/**
 * The snapshot as `--json` prints it and `--save` writes it: `--file` and `--baseline` read it back. Every
 * control character in its strings is a `\uXXXX` escape (JSON.stringify leaves DEL, C1 and bidi controls).
 */
export function formatSnapshotJson(statistics: Statistics): string {
  return `${escapeControlCharactersInJson(JSON.stringify(statistics, null, 2))}\n`;
}

export async function saveSnapshot(statistics: Statistics, file: string): Promise<void> {
  try {
    await writeFile(file, formatSnapshotJson(statistics));
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${describeError(error)}`);
  }
}
