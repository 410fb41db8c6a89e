import { type Attributes, type Context, SpanKind, SpanStatusCode, context, createContextKey, trace } from '@opentelemetry/api';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  isWrapped,
  safeExecuteInTheMiddle,
} from '@opentelemetry/instrumentation';
import { VERSION } from '../../src/version.js';
import { AttributeNames } from './enums/AttributeNames.js';
import type {
  ActiveOperation,
  CacheLayers,
  CacheableInstance,
  CacheableModuleExports,
  KeyvInstance,
  KeyvMethod,
  KeyvModuleExports,
  KeyvPrototype,
} from './internal-types.js';
import { CacheKeyPatterns } from './key-patterns.js';
import type { KeyvInstrumentationConfig, KeyvOperation } from './types.js';
import { recordableError, resultAttributes, resultInfo, startAttributes, storeNameOf } from './utils.js';

export const INSTRUMENTATION_NAME = 'spanlens/instrumentation-keyv';
const SUPPORTED_VERSIONS = ['>=5 <7'];
const SUPPORTED_CACHEABLE_VERSIONS = ['>=2 <3'];

/**
 * The methods that get a span, with the operation each one is. The raw variants (keyv 5's replacement for
 * `{ raw: true }`, and what `cacheable` calls) are the same lookups and writes.
 */
const OPERATION_OF_METHOD: Readonly<Record<string, KeyvOperation>> = {
  get: 'get',
  getRaw: 'get',
  getMany: 'getMany',
  getManyRaw: 'getMany',
  set: 'set',
  setRaw: 'set',
  setMany: 'setMany',
  setManyRaw: 'setMany',
  delete: 'delete',
  deleteMany: 'deleteMany',
  has: 'has',
  hasMany: 'hasMany',
  clear: 'clear',
};

/**
 * The methods of a `cacheable` that become one operation when it has a secondary store: a lookup is
 * the app's one lookup, however many stores it asks. (`get` and `getMany` call the raw variants.)
 */
const OPERATION_OF_CACHEABLE_METHOD: Readonly<Record<string, KeyvOperation>> = {
  getRaw: 'get',
  getManyRaw: 'getMany',
  set: 'set',
  setMany: 'setMany',
  delete: 'delete',
  deleteMany: 'deleteMany',
  has: 'has',
  clear: 'clear',
};

// Called with an array of keys, these only hand it to getMany / deleteMany / hasMany, which report it.
const FORWARDS_ARRAYS = new Set(['get', 'delete', 'has']);

// keyv reports the errors it swallows (a store that is down) through `emit('error')`.
const EMIT = 'emit';

/** Exceptions recorded on one span; keyv 6 emits one error per key when a batch fails key by key. */
export const MAX_EXCEPTIONS_PER_SPAN = 10;

const ACTIVE_OPERATION = createContextKey('spanlens keyv operation');

function activeOperationIn(ctx: Context): ActiveOperation | undefined {
  return ctx.getValue(ACTIVE_OPERATION) as ActiveOperation | undefined;
}

function keyvPrototypeOf(moduleExports: KeyvModuleExports | undefined): KeyvPrototype | undefined {
  const keyvClass: unknown = moduleExports?.Keyv ?? moduleExports?.default;
  return typeof keyvClass === 'function' ? (keyvClass.prototype as KeyvPrototype) : undefined;
}

function cacheablePrototypeOf(moduleExports: CacheableModuleExports | undefined): KeyvPrototype | undefined {
  const cacheableClass: unknown = moduleExports?.Cacheable;
  return typeof cacheableClass === 'function' ? (cacheableClass.prototype as KeyvPrototype) : undefined;
}

/** The stores of a `cacheable` with a secondary store, or undefined for one with a single store. */
function layersOf(cacheable: CacheableInstance): CacheLayers | undefined {
  const { primary, secondary } = cacheable;
  if (typeof primary !== 'object' || primary === null || typeof secondary !== 'object' || secondary === null) return undefined;
  return { primary: primary as KeyvInstance, secondary: secondary as KeyvInstance };
}

/** Which layer of the layered operation running `instance` is, if any. */
function layerOf(active: ActiveOperation | undefined, instance: KeyvInstance): 'primary' | 'secondary' | undefined {
  if (active?.layers === undefined) return undefined;
  if (active.layers.primary === instance) return 'primary';
  return active.layers.secondary === instance ? 'secondary' : undefined;
}

/**
 * Traces keyv 5 and 6: one CLIENT span per operation, `keyv.<operation>`, with the cache attributes of
 * the spanlens contract and never a key or a value (keys are recorded by their pattern, key-patterns.ts).
 * It patches `Keyv.prototype`, so every instance is covered, however it was created (directly, by
 * `@keyv/redis`'s `createKeyv`, inside `cacheable`); and `Cacheable.prototype`, so that a cacheable with
 * a secondary store is one operation per call, its stores' operations beneath it.
 */
export class KeyvInstrumentation extends InstrumentationBase<KeyvInstrumentationConfig> {
  /** Prototypes on which `emit` was inherited (keyv 6 gets it from Hookified); unpatching deletes it again. */
  private readonly _inheritedEmit = new WeakSet<KeyvPrototype>();
  /** Every Keyv class patched so far: one per copy of keyv, and its ESM and CommonJS builds are two. */
  private readonly _knownPrototypes = new Set<KeyvPrototype>();
  /** Every Cacheable class patched so far. */
  private readonly _knownCacheablePrototypes = new Set<KeyvPrototype>();
  /** What is learned of key structure lives as long as the instrumentation's configuration. */
  private _keyPatterns: CacheKeyPatterns | undefined;

  constructor(config: KeyvInstrumentationConfig = {}) {
    super(INSTRUMENTATION_NAME, VERSION, config);
  }

  override setConfig(config: KeyvInstrumentationConfig = {}): void {
    super.setConfig(config);
    this._keyPatterns = undefined;
  }

  private get keyPatterns(): CacheKeyPatterns {
    this._keyPatterns ??= new CacheKeyPatterns(this.getConfig().keyPatterns ?? []);
    return this._keyPatterns;
  }

  // The base class re-patches and unpatches only the last keyv module it saw; an app that both imports
  // and requires keyv has two Keyv classes. (The base constructor calls enable() before fields exist.)
  override enable(): void {
    super.enable();
    this._knownPrototypes?.forEach((prototype) => this._patchPrototype(prototype));
    this._knownCacheablePrototypes?.forEach((prototype) => this._patchCacheablePrototype(prototype));
  }

  override disable(): void {
    super.disable();
    this._knownPrototypes?.forEach((prototype) => this._unpatchPrototype(prototype));
    this._knownCacheablePrototypes?.forEach((prototype) => this._unpatchCacheablePrototype(prototype));
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        'keyv',
        SUPPORTED_VERSIONS,
        (moduleExports: KeyvModuleExports) => {
          this._patchPrototype(keyvPrototypeOf(moduleExports));
          return moduleExports;
        },
        (moduleExports: KeyvModuleExports) => {
          this._unpatchPrototype(keyvPrototypeOf(moduleExports));
        },
      ),
      new InstrumentationNodeModuleDefinition(
        'cacheable',
        SUPPORTED_CACHEABLE_VERSIONS,
        (moduleExports: CacheableModuleExports) => {
          this._patchCacheablePrototype(cacheablePrototypeOf(moduleExports));
          return moduleExports;
        },
        (moduleExports: CacheableModuleExports) => {
          this._unpatchCacheablePrototype(cacheablePrototypeOf(moduleExports));
        },
      ),
    ];
  }

  private _patchCacheablePrototype(prototype: KeyvPrototype | undefined): void {
    if (prototype === undefined) {
      this._diag.warn('cacheable exports no Cacheable class; its layers are counted store by store');
      return;
    }
    this._knownCacheablePrototypes.add(prototype);
    for (const [method, operation] of Object.entries(OPERATION_OF_CACHEABLE_METHOD)) {
      if (typeof prototype[method] !== 'function') continue;
      if (isWrapped(prototype[method])) this._unwrap(prototype, method);
      this._wrap(prototype, method, this._getLayeredOperationPatch(operation));
    }
  }

  private _unpatchCacheablePrototype(prototype: KeyvPrototype | undefined): void {
    if (prototype === undefined) return;
    for (const method of Object.keys(OPERATION_OF_CACHEABLE_METHOD)) {
      if (isWrapped(prototype[method])) this._unwrap(prototype, method);
    }
  }

  private _patchPrototype(prototype: KeyvPrototype | undefined): void {
    if (prototype === undefined) {
      this._diag.warn('keyv exports no Keyv class; not instrumented');
      return;
    }
    this._knownPrototypes.add(prototype);
    for (const [method, operation] of Object.entries(OPERATION_OF_METHOD)) {
      if (typeof prototype[method] !== 'function') continue; // setRaw and setManyRaw are keyv 6 only
      if (isWrapped(prototype[method])) this._unwrap(prototype, method);
      this._wrap(prototype, method, this._getOperationPatch(method, operation));
    }
    if (isWrapped(prototype[EMIT])) this._unwrap(prototype, EMIT);
    if (typeof prototype[EMIT] === 'function') {
      if (!Object.prototype.hasOwnProperty.call(prototype, EMIT)) this._inheritedEmit.add(prototype);
      this._wrap(prototype, EMIT, this._getEmitPatch());
    }
  }

  private _unpatchPrototype(prototype: KeyvPrototype | undefined): void {
    if (prototype === undefined) return;
    for (const method of [...Object.keys(OPERATION_OF_METHOD), EMIT]) {
      if (isWrapped(prototype[method])) this._unwrap(prototype, method);
    }
    if (this._inheritedEmit.has(prototype)) {
      delete prototype[EMIT];
      this._inheritedEmit.delete(prototype);
    }
  }

  private _getOperationPatch(method: string, operation: KeyvOperation) {
    const plugin = this;
    return (original: KeyvMethod): KeyvMethod =>
      function patchedOperation(this: KeyvInstance, ...args: unknown[]): unknown {
        if (this === undefined || this === null) return original.apply(this, args);
        if (FORWARDS_ARRAYS.has(method) && Array.isArray(args[0])) return original.apply(this, args);
        return plugin._traceOperation(this, operation, original, args, undefined, (active) => {
          const attributes = startAttributes(this, operation, args[0], plugin.keyPatterns);
          const layer = layerOf(active, this);
          if (layer !== undefined) attributes[AttributeNames.CACHE_LAYER] = layer;
          return attributes;
        });
      };
  }

  /**
   * A `cacheable` with a secondary store looks a key up in the primary, then in the secondary: one
   * lookup for the app, which gets one span, whose result is what the app got. The stores' own
   * operations become its children, marked with their layer, and are not counted again.
   */
  private _getLayeredOperationPatch(operation: KeyvOperation) {
    const plugin = this;
    return (original: KeyvMethod): KeyvMethod =>
      function patchedLayeredOperation(this: KeyvInstance & CacheableInstance, ...args: unknown[]): unknown {
        const layers = this === undefined || this === null ? undefined : layersOf(this);
        if (layers === undefined) return original.apply(this, args);
        return plugin._traceOperation(this, operation, original, args, layers, () => {
          const attributes = startAttributes(layers.primary, operation, args[0], plugin.keyPatterns);
          attributes[AttributeNames.CACHE_STORE] = `${storeNameOf(layers.primary.store)}+${storeNameOf(layers.secondary.store)}`;
          return attributes;
        });
      };
  }

  private _traceOperation(
    instance: KeyvInstance,
    operation: KeyvOperation,
    original: KeyvMethod,
    args: unknown[],
    layers: CacheLayers | undefined,
    attributesOf: (active: ActiveOperation | undefined) => Attributes,
  ): unknown {
    const parentContext = context.active();
    // One span per operation the caller asked for: an operation that starts while a span of the same
    // instance is still open is keyv calling itself (keyv 5's setMany falling back to set, the delete
    // of an expired entry that get or getMany found) and adds no nested span. Calls made one after the
    // other (cacheable's getOrSet: get, then set) and operations of another instance get their own.
    const active = activeOperationIn(parentContext);
    if (active !== undefined && active.instance === instance && active.open) return original.apply(instance, args);
    if (this.getConfig().requireParentSpan === true && trace.getSpan(parentContext) === undefined) {
      return original.apply(instance, args);
    }

    let current: ActiveOperation;
    let operationContext: Context;
    try {
      const span = this.tracer.startSpan(
        `keyv.${operation}`,
        { kind: SpanKind.CLIENT, attributes: attributesOf(active) },
        parentContext,
      );
      current = { instance, span, open: true, recordedErrors: [], ...(layers === undefined ? {} : { layers }) };
      operationContext = trace.setSpan(parentContext, span).setValue(ACTIVE_OPERATION, current);
    } catch (error) {
      // Reading the instance (a store getter, say) failed: the operation runs untraced, never broken.
      this._diag.debug(`keyv.${operation} not traced: ${String(error)}`);
      return original.apply(instance, args);
    }

    let result: unknown;
    try {
      result = context.with(operationContext, () => original.apply(instance, args));
    } catch (error) {
      this._endWithError(current, error);
      throw error;
    }
    if (!isPromiseLike(result)) {
      this._endWithResult(current, operation, result);
      return result;
    }
    return result.then(
      (value) => {
        this._endWithResult(current, operation, value);
        return value;
      },
      (error: unknown) => {
        this._endWithError(current, error);
        throw error;
      },
    );
  }

  /** Records the errors keyv emits during an operation of the same instance; the event itself is untouched. */
  private _getEmitPatch() {
    const plugin = this;
    return (original: KeyvMethod): KeyvMethod =>
      function patchedEmit(this: KeyvInstance, ...args: unknown[]): unknown {
        if (args[0] === 'error') {
          const active = activeOperationIn(context.active());
          if (active !== undefined && active.instance === this && active.open) plugin._recordError(active, args[1]);
        }
        return original.apply(this, args);
      };
  }

  private _recordError(operation: ActiveOperation, error: unknown): void {
    if (operation.recordedErrors.includes(error)) return;
    if (operation.recordedErrors.length >= MAX_EXCEPTIONS_PER_SPAN) return;
    operation.recordedErrors.push(error);
    const recordable = recordableError(error);
    operation.span.recordException(recordable);
    operation.span.setStatus({ code: SpanStatusCode.ERROR, message: recordable.message });
  }

  private _endWithResult(operation: ActiveOperation, name: KeyvOperation, result: unknown): void {
    const info = resultInfo(name, result);
    operation.span.setAttributes(resultAttributes(info));
    const { responseHook } = this.getConfig();
    if (typeof responseHook === 'function') {
      safeExecuteInTheMiddle(
        () => responseHook(operation.span, info),
        (error) => {
          if (error) this._diag.error('keyv responseHook failed', error);
        },
        true,
      );
    }
    this._end(operation);
  }

  private _endWithError(operation: ActiveOperation, error: unknown): void {
    this._recordError(operation, error);
    this._end(operation);
  }

  private _end(operation: ActiveOperation): void {
    operation.open = false;
    operation.span.end();
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}
