export { INSTRUMENTATION_NAME, KeyvInstrumentation, MAX_EXCEPTIONS_PER_SPAN } from './instrumentation.js';
export { AttributeNames } from './enums/AttributeNames.js';
export { CacheKeyPatterns, MAX_KEY_PATTERN_LENGTH } from './key-patterns.js';
export type { KeyvInstrumentationConfig, KeyvOperation, KeyvResponseHook, KeyvResponseHookInfo } from './types.js';
