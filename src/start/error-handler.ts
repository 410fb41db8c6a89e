import { setGlobalErrorHandler } from '@opentelemetry/core';
import { warnOnce } from '../diag-once.js';

/**
 * Reports an error of the OpenTelemetry SDK (an export that failed, say) once per kind: an unreachable
 * collector must not write a line to the app's log for every batch.
 */
export function reportSdkError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  // Errors of one kind (ECONNREFUSED, a timeout) are one problem, whatever their message says.
  const code = (error as { code?: unknown } | undefined)?.code;
  const kind = typeof code === 'string' || typeof code === 'number' ? String(code) : error instanceof Error ? error.name + message.slice(0, 80) : message.slice(0, 80);
  warnOnce(`sdk:${kind}`, 'OpenTelemetry SDK error (repeats are not logged)', message);
}

export function installSdkErrorHandler(): void {
  setGlobalErrorHandler(reportSdkError);
}
