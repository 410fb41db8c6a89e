import { diag } from '@opentelemetry/api';

/** Distinct problems remembered; past it spanlens says so once and reports nothing new. */
export const MAX_REMEMBERED_PROBLEMS = 100;
const reported = new Set<string>();
let silenced = false;

/**
 * Reports a problem of spanlens' own through `diag` the first time it happens, never per request:
 * spanlens lives in someone else's process and must not flood its logs.
 */
export function warnOnce(key: string, message: string, error?: unknown): void {
  if (reported.has(key) || silenced) return;
  if (reported.size >= MAX_REMEMBERED_PROBLEMS) {
    silenced = true;
    diag.warn(`spanlens: more than ${MAX_REMEMBERED_PROBLEMS} different problems; further ones are not logged`);
    return;
  }
  reported.add(key);
  const detail = error instanceof Error ? `: ${error.message}` : error === undefined ? '' : `: ${String(error)}`;
  diag.warn(`spanlens: ${message}${detail}`);
}
