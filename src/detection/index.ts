export {
  type DetectionSpan,
  type DetectionSpanKind,
  type SpanTiming,
  cacheShape,
  cacheSpanRecord,
  databaseSpanRecord,
  httpShape,
  httpSpanRecord,
} from './detection-span.js';
export { MAX_LOOPS_PER_REQUEST, type NPlusOneLoop, findLoops } from './loops.js';
export { mergedDurationMs } from './merged-duration.js';
export {
  DEFAULT_N_PLUS_ONE_MIN_DURATION_MS,
  DEFAULT_N_PLUS_ONE_MIN_REPEATS,
  MAX_FINDINGS_PER_REQUEST,
  NPlusOneDetector,
  type NPlusOneAnalysis,
  type NPlusOneFinding,
  type NPlusOneOptions,
  detectNPlusOne,
  isConnectionSpanName,
} from './n-plus-one.js';
