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

/** The keyv operation running in a context: its instance, its span, and the errors already on the span. */
export interface ActiveOperation {
  readonly instance: KeyvInstance;
  readonly span: Span;
  open: boolean;
  readonly recordedErrors: unknown[];
}
