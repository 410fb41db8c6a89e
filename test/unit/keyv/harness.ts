import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type AttributeValue, context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { KeyvInstrumentation } from '../../../instrumentations/keyv';
import type { KeyvInstrumentationConfig } from '../../../instrumentations/keyv';

/** The parts of a keyv 5 or 6 instance the tests use. */
export interface KeyvLike {
  get(key: string | string[], options?: { raw?: boolean }): Promise<unknown>;
  getMany(keys: string[], options?: { raw?: boolean }): Promise<unknown[]>;
  getRaw(key: string): Promise<unknown>;
  getManyRaw(keys: string[]): Promise<unknown[]>;
  set(key: string, value: unknown, ttl?: number): Promise<boolean>;
  setMany(entries: Array<{ key: string; value: unknown; ttl?: number }>): Promise<unknown>;
  delete(key: string | string[]): Promise<unknown>;
  deleteMany(keys: string[]): Promise<unknown>;
  has(key: string | string[]): Promise<unknown>;
  clear(): Promise<void>;
  disconnect(): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  readonly namespace: string | undefined;
  readonly store: unknown;
  throwOnErrors?: boolean;
}

export type KeyvClass = new (store?: unknown, options?: Record<string, unknown>) => KeyvLike;

/** `require('keyv')` of either major version: the CommonJS exports. */
export interface KeyvModule {
  Keyv: KeyvClass & { prototype: Record<string, unknown> };
  default: KeyvClass;
}

/** The keyv majors under test, installed side by side as npm aliases. */
export const KEYV_VERSIONS: Array<{ label: string; alias: 'keyv5' | 'keyv6'; major: 5 | 6; version: string }> = (
  [
    ['keyv5', 5],
    ['keyv6', 6],
  ] as const
).map(([alias, major]) => {
  const version = packageVersion(alias);
  return { label: `keyv ${version}`, alias, major, version };
});

export function packageVersion(name: string): string {
  const manifest = path.join(__dirname, '../../../node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

export interface Harness {
  instrumentation: KeyvInstrumentation;
  exporter: InMemorySpanExporter;
  provider: TracerProvider;
  /** Applies the instrumentation's module patch, as the require / import hook would. */
  patch(moduleExports: unknown, version: string): void;
  unpatch(moduleExports: unknown, version: string): void;
  spans(): ReadableSpan[];
  keyvSpans(): ReadableSpan[];
}

/**
 * An instrumentation wired to an in-memory exporter. Jest's module system does not go through
 * require-in-the-middle, so the tests apply the module definition's patch to the exports themselves.
 */
export function createHarness(config: KeyvInstrumentationConfig = {}): Harness {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const instrumentation = new KeyvInstrumentation({ ...config, enabled: false });
  instrumentation.setTracerProvider(provider);
  const [definition] = instrumentation.getModuleDefinitions();
  if (definition?.patch === undefined || definition.unpatch === undefined) throw new Error('no keyv module definition');
  return {
    instrumentation,
    exporter,
    provider,
    patch: (moduleExports, version) => definition.patch!(moduleExports, version),
    unpatch: (moduleExports, version) => definition.unpatch!(moduleExports, version),
    spans: () => exporter.getFinishedSpans(),
    keyvSpans: () => exporter.getFinishedSpans().filter((span) => span.name.startsWith('keyv.')),
  };
}

/** Installs an AsyncLocalStorage context manager for the file's tests. */
export function useContextManager(): void {
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
  afterAll(() => {
    context.disable();
  });
}

/** Every text a span carries: its name, attribute values, status message, and its events with theirs. */
export function textsOf(span: ReadableSpan): string[] {
  const texts = [span.name, span.status.message ?? ''];
  const addValues = (attributes: Record<string, AttributeValue | undefined>) => {
    for (const [key, value] of Object.entries(attributes)) {
      texts.push(key);
      if (value !== undefined) texts.push(Array.isArray(value) ? value.join(' ') : String(value));
    }
  };
  addValues(span.attributes);
  for (const event of span.events) {
    texts.push(event.name);
    addValues(event.attributes ?? {});
  }
  for (const link of span.links) addValues(link.attributes ?? {});
  return texts;
}

/** The texts of `spans` that contain any of `secrets`. */
export function leaks(spans: ReadableSpan[], secrets: string[]): string[] {
  return spans.flatMap((span) => textsOf(span)).filter((text) => secrets.some((secret) => text.includes(secret)));
}

/** Records what a caller of `keyv` sees: every 'error' event, as the constructor name and message. */
export function recordErrorEvents(keyv: KeyvLike): string[] {
  const seen: string[] = [];
  keyv.on('error', (error: unknown) => {
    seen.push(describeThrown(error));
  });
  return seen;
}

/** The outcome of a call as a caller sees it: its value, or what it rejected with. */
export async function outcomeOf(call: () => Promise<unknown>): Promise<{ value?: unknown; rejected?: string }> {
  try {
    return { value: await call() };
  } catch (error) {
    return { rejected: describeThrown(error) };
  }
}

/** An error as `Class: message`; errors from Node's internals are not `instanceof Error` under Jest. */
function describeThrown(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return `${error.constructor.name}: ${String(error.message)}`;
  }
  return `not an Error: ${String(error)}`;
}

/**
 * A store whose every operation fails, as a database adapter whose server is gone. It throws without
 * emitting, so any 'error' event comes from keyv itself.
 */
export class FailingStore {
  namespace: string | undefined;
  opts = {};
  /** The error the last failed call threw, to check that callers get that very object. */
  lastError: Error | undefined;
  private fail(): never {
    this.lastError = new Error('store connection lost');
    throw this.lastError;
  }
  async get(_key: string): Promise<unknown> {
    this.fail();
  }
  async set(_key: string, _value: unknown, _ttl?: number): Promise<unknown> {
    this.fail();
  }
  async delete(_key: string): Promise<boolean> {
    this.fail();
  }
  async clear(): Promise<void> {
    this.fail();
  }
  async has(_key: string): Promise<boolean> {
    this.fail();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A namespace no other test run uses. */
export function uniqueNamespace(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}
