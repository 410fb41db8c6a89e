import type { Span } from '@opentelemetry/api';

/** What the instrumentation reads from a keyv 5 or 6 instance; both expose these as getters. */
export interface KeyvInstance {
  readonly store?: unknown;
  readonly namespace?: unknown;
}

export type KeyvMethod = (this: KeyvInstance, ...args: unknown[]) => unknown;

/** `Keyv.prototype`, seen as the methods the instrumentation wraps. */
export type KeyvPrototype = Record<string, KeyvMethod>;

/** The exports of `keyv`: the CommonJS `exports` object or, through import-in-the-middle, the ESM namespace. */
export interface KeyvModuleExports {
  Keyv?: unknown;
  default?: unknown;
}

/** The two keyv instances of a `cacheable` with a secondary store. */
export interface CacheLayers {
  readonly primary: KeyvInstance;
  readonly secondary: KeyvInstance;
}

/** What the instrumentation reads from a `cacheable` instance: its stores, keyv instances both. */
export interface CacheableInstance {
  readonly primary?: unknown;
  readonly secondary?: unknown;
}

/** The exports of `cacheable`. */
export interface CacheableModuleExports {
  Cacheable?: unknown;
}

/**
 * The keyv (or layered cacheable) operation running in a context: its instance, its span, the errors
 * already on the span, and for a layered operation its layers, whose own operations it counts for.
 */
export interface ActiveOperation {
  readonly instance: KeyvInstance | CacheableInstance;
  readonly span: Span;
  open: boolean;
  readonly recordedErrors: unknown[];
  readonly layers?: CacheLayers;
}
