export {
  MAX_CACHED_SHAPES,
  MAX_CACHED_STATEMENTS,
  MAX_EARLY_SHAPES,
  MAX_NORMALIZED_QUERY_LENGTH,
  MAX_PARSED_STATEMENT_LENGTH,
  SqlFingerprinter,
  type SqlAnalysis,
  type SqlFingerprinterOptions,
} from './fingerprinter.js';
export { MAX_QUERY_SUMMARY_LENGTH } from './query-summary.js';
export { type StatementCategory, isCursorFetch, isTransactionControl } from './statement-class.js';
export { genericBatchingSuggestion, suggestCacheBatching } from './suggestion.js';
