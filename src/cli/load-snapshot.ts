import { readFile } from 'node:fs/promises';
import { CliError, describeError, isErrorLike, oneLine } from './cli-error.js';
import type { Snapshot } from './snapshot.js';
import { asSnapshot, SnapshotShapeError } from './statistics-shape.js';

/** Where `spanlens report` reads from when given neither `--url` nor `--file`: the default exporter. */
export const DEFAULT_STATS_URL = 'http://127.0.0.1:9464/stats';

/** How long a `/stats` request may take, body included. */
export const FETCH_TIMEOUT_MS = 5000;

export type SnapshotSource = { url: string } | { file: string };

export function describeSource(source: SnapshotSource): string {
  return 'url' in source ? source.url : source.file;
}

/** Reads a snapshot from a running process or a saved file; every failure is a one-line `CliError`. */
export async function loadSnapshot(source: SnapshotSource, timeoutMs = FETCH_TIMEOUT_MS): Promise<Snapshot> {
  const text = 'url' in source ? await fetchText(source.url, timeoutMs) : await readText(source.file);
  const name = describeSource(source);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`cannot read ${name}: invalid JSON (${describeError(error)})`);
  }
  try {
    return asSnapshot(parsed);
  } catch (error) {
    if (error instanceof SnapshotShapeError) throw new CliError(`${name} is not a spanlens statistics snapshot: ${error.message}`);
    throw error;
  }
}

async function fetchText(url: string, timeoutMs: number): Promise<string> {
  if (!/^https?:$/.test(URL.parse(url)?.protocol ?? '')) throw new CliError(`cannot read ${url}: not an http:// or https:// URL`);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (!response.ok) {
      await response.body?.cancel();
      throw new CliError(oneLine(`cannot read ${url}: HTTP ${response.status} ${response.statusText}`));
    }
    return await response.text();
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (isErrorLike(error) && error.name === 'TimeoutError') {
      throw new CliError(`cannot read ${url}: no answer within ${timeoutMs / 1000} s`);
    }
    const reason = describeError(error);
    // fetch refuses some well-known ports (1, 9, 25, …) with nothing but "bad port".
    throw new CliError(`cannot read ${url}: ${reason === 'bad port' ? 'fetch does not connect to this port (bad port)' : reason}`);
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${describeError(error)}`);
  }
}
