import type { AppProcess } from './app-process';

/** The fault suite's fixture app, under test/fixtures. */
export const FAULT_APP = 'faults/fault-app.mjs';

/** What the fixture app reports about itself at GET /__process. */
export interface ProcessReport {
  pid: number;
  /** V8 heap in use; after a full collection when asked with `gc` (the app runs with --expose-gc). */
  heapUsedMiB: number;
  /** Errors that escaped to the process: spanlens must cause none. */
  unhandledRejections: string[];
  uncaughtExceptions: string[];
  /** Errors that reached the app's request handler (it answered 500). */
  handlerErrors: string[];
  /** Statements run again because their connection was killed under them. */
  retriedQueries: number;
  /** Idle pooled connections the server killed. */
  idleConnectionsLost: number;
  /** Checked-out connections the server killed between two statements. */
  checkedOutConnectionsLost: number;
  /** Cache lookups as the app saw them, and the store errors keyv reported. */
  cacheHits: number;
  cacheMisses: number;
  cacheErrors: number;
}

export async function processReport(app: AppProcess, options: { gc?: boolean } = {}): Promise<ProcessReport> {
  const response = await fetch(app.url(options.gc === true ? '/__process?gc=1' : '/__process'));
  if (response.status !== 200) throw new Error(`GET /__process answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ProcessReport;
}

/** The lines spanlens (or the SDK through spanlens' logger) wrote to the app's stderr. */
export function diagnosticLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim().length > 0);
}
