import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { KeepTraceReason } from '../config/config.js';
import { REQUEST_ATTRIBUTES } from './request-attributes.js';

/**
 * Whether a request's ended root says its trace is worth opening, for the reasons asked: an N+1, a slow
 * request, a failure. It reads what the statistics processor wrote on the root as it ended, the same
 * attributes the bundled collector's tail sampling reads, so the app and the collector keep alike.
 */
export function traceWorthKeeping(reasons: readonly KeepTraceReason[]): (root: ReadableSpan) => boolean {
  const nPlusOne = reasons.includes('n_plus_one');
  const slow = reasons.includes('slow');
  const error = reasons.includes('error');
  return (root) => {
    const findings = root.attributes[REQUEST_ATTRIBUTES.nPlusOneCount];
    if (nPlusOne && typeof findings === 'number' && findings > 0) return true;
    if (slow && root.attributes[REQUEST_ATTRIBUTES.slow] === true) return true;
    return error && root.status.code === SpanStatusCode.ERROR;
  };
}
