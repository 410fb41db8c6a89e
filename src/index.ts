export { start, type SpanlensHandle } from './start/start.js';
export type { SpanlensOptions, SpanlensConfig, ResponseHeadersMode } from './config/config.js';
export {
  RequestStatisticsProcessor,
  type RequestStatisticsProcessorOptions,
  MAX_IN_FLIGHT_REQUESTS,
} from './processors/request-statistics-processor.js';
export type { RequestProgress } from './processors/request-state.js';
export type { RequestSummary, SlowQuerySample, NPlusOneSample, NPlusOneLoopSample, CacheLookupSample } from './processors/request-summary.js';
export type { CallSite } from './call-sites/call-site.js';
export { KeyvInstrumentation } from '../instrumentations/keyv/index.js';
export type { KeyvInstrumentationConfig, KeyvResponseHookInfo } from '../instrumentations/keyv/index.js';
export { StatisticsStore, type StatisticsStoreOptions } from './stats/statistics-store.js';
export type {
  Statistics,
  EndpointStatistics,
  CacheStatistics,
  NamespaceCacheStatistics,
  SlowQueryStatistics,
  NPlusOneStatistics,
  NPlusOneKind,
  LoopStatistics,
  CallSiteStatistics,
} from './stats/statistics.js';
