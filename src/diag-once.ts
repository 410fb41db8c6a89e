import { diag } from '@opentelemetry/api';

const MAX_REMEMBERED_PROBLEMS = 100;
const reported = new Set<string>();

/**
 * Reports a problem of spanlens' own through `diag` the first time it happens, never per request:
 * spanlens lives in someone else's process and must not flood its logs.
 */
export function warnOnce(key: string, message: string, error?: unknown): void {
  if (reported.has(key)) return;
  if (reported.size < MAX_REMEMBERED_PROBLEMS) reported.add(key);
  const detail = error instanceof Error ? `: ${error.message}` : error === undefined ? '' : `: ${String(error)}`;
  diag.warn(`spanlens: ${message}${detail}`);
}
