import type { Span } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/** The keyv operations that get a span, named `keyv.<operation>`. */
export type KeyvOperation = 'get' | 'getMany' | 'set' | 'setMany' | 'delete' | 'deleteMany' | 'has' | 'hasMany' | 'clear';

/** What a `responseHook` learns about a finished operation; never the keys or values. */
export interface KeyvResponseHookInfo {
  operation: KeyvOperation;
  /** `get` and `has`: whether a value came back (`get`) or `true` did (`has`). */
  hit?: boolean;
  /** `getMany`: how many keys had a value; `hasMany`: how many exist. */
  hits?: number;
  /** `getMany`: how many keys had none; `hasMany`: how many do not exist. */
  misses?: number;
}

export interface KeyvResponseHook {
  (span: Span, info: KeyvResponseHookInfo): void;
}

export interface KeyvInstrumentationConfig extends InstrumentationConfig {
  /**
   * If true, an operation creates a span only when a span is already active (inside a request, a job…).
   *
   * @default false
   */
  requireParentSpan?: boolean;

  /**
   * Key patterns to record for keys that match them, in order: literal text with `{name}` placeholders
   * for one or more characters (`session:{name}`, `user:{id}:settings`). Other keys are recorded by
   * their learned static structure only. Read when the instrumentation is created or configured.
   *
   * @default []
   */
  keyPatterns?: string[];

  /**
   * Called with the span of each operation that returned, before the span ends, to add attributes.
   * Errors it throws are logged and ignored.
   *
   * @default undefined
   */
  responseHook?: KeyvResponseHook;
}
