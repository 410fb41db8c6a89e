export { INSTRUMENTATION_NAME, KeyvInstrumentation, MAX_EXCEPTIONS_PER_SPAN } from './instrumentation.js';
export { AttributeNames } from './enums/AttributeNames.js';
export { MAX_KEY_PATTERN_LENGTH, keyPattern } from './utils.js';
export type { KeyvInstrumentationConfig, KeyvOperation, KeyvResponseHook, KeyvResponseHookInfo } from './types.js';
