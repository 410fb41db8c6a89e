import type { CallSite, CallSiteFinder } from '../../../../src/call-sites/call-site';

/** A stand-in for a library with a deep call stack: captures a call site `depth` of its own frames below its caller. */
export function captureDeep(depth: number, finder: CallSiteFinder): CallSite | null {
  return depth === 0 ? finder.capture() : captureDeep(depth - 1, finder);
}
