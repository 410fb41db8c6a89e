import { setGlobalErrorHandler } from '@opentelemetry/core';
import { warnOnce } from '../diag-once.js';

/**
 * Reports an error of the OpenTelemetry SDK (an export that failed, say) once per kind: an unreachable
 * collector must not write a line to the app's log for every batch.
 */
export function reportSdkError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  warnOnce(`sdk:${message.slice(0, 200)}`, 'OpenTelemetry SDK error (repeats are not logged)', message);
}

export function installSdkErrorHandler(): void {
  setGlobalErrorHandler(reportSdkError);
}
