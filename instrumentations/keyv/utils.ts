import type { Attributes } from '@opentelemetry/api';
import { redactQuotedText } from '../../src/quoted-text.js';
import { AttributeNames } from './enums/AttributeNames.js';
import type { KeyvInstance } from './internal-types.js';
import type { CacheKeyPatterns } from './key-patterns.js';
import type { KeyvOperation, KeyvResponseHookInfo } from './types.js';

/** The key an operation works on: its own, or the first of a batch (`getMany`, `setMany`, `deleteMany`). */
export function firstKeyOf(operation: KeyvOperation, firstArgument: unknown): string | undefined {
  if (operation === 'clear') return undefined;
  const first: unknown = Array.isArray(firstArgument) ? firstArgument[0] : firstArgument;
  if (typeof first === 'string') return first;
  // setMany takes entries: `{ key, value, ttl }`.
  if (typeof first === 'object' && first !== null && 'key' in first && typeof first.key === 'string') return first.key;
  return undefined;
}

const MEMORY_STORE = 'memory';
// keyv 6 wraps a legacy store (such as @keyv/redis 5) in a bridge and a Map in a memory adapter.
const BRIDGE_ADAPTERS = new Set(['KeyvBridgeAdapter']);
const MEMORY_ADAPTERS = new Set(['KeyvMemoryAdapter']);
const MAX_ADAPTER_DEPTH = 3;

/**
 * What kind of store keyv uses: `memory` for keyv's default Map (and in-memory adapters), otherwise the
 * store's class name without `Keyv` and `Adapter`/`Store`, in lower case (`KeyvRedis` → `redis`).
 */
export function storeNameOf(store: unknown): string {
  let current = store;
  for (let depth = 0; depth < MAX_ADAPTER_DEPTH; depth++) {
    if (current instanceof Map) return MEMORY_STORE;
    const className = classNameOf(current);
    if (className !== undefined && MEMORY_ADAPTERS.has(className)) return MEMORY_STORE;
    if (className === undefined || !BRIDGE_ADAPTERS.has(className)) break;
    current = (current as { store?: unknown }).store;
  }
  const className = classNameOf(current);
  if (className === undefined || className === 'Object') return 'unknown';
  const name = className
    .replace(/^Keyv/, '')
    .replace(/(Adapter|Store)$/, '')
    .toLowerCase();
  if (name === '') return 'unknown';
  return name.includes(MEMORY_STORE) ? MEMORY_STORE : name;
}

function classNameOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** The attributes known when an operation starts; the key is seen by `keyPatterns`, which learns from it. */
export function startAttributes(
  instance: KeyvInstance,
  operation: KeyvOperation,
  firstArgument: unknown,
  keyPatterns: CacheKeyPatterns,
): Attributes {
  const attributes: Attributes = {
    [AttributeNames.CACHE_OPERATION]: operation,
    [AttributeNames.CACHE_STORE]: storeNameOf(instance.store),
  };
  const namespace = typeof instance.namespace === 'string' && instance.namespace !== '' ? instance.namespace : undefined;
  if (namespace !== undefined) attributes[AttributeNames.CACHE_NAMESPACE] = namespace;
  const key = firstKeyOf(operation, firstArgument);
  if (key !== undefined) attributes[AttributeNames.CACHE_KEY_PATTERN] = keyPatterns.patternOf(namespace, key);
  return attributes;
}

/**
 * What the result says about hits: a `get` hits when a value comes back (`undefined` is a miss; a stored
 * `null`, `0` or `false` is a hit), a `has` when it returns `true`; `getMany` and `hasMany` count both.
 */
export function resultInfo(operation: KeyvOperation, result: unknown): KeyvResponseHookInfo {
  switch (operation) {
    case 'get':
      return { operation, hit: result !== undefined };
    case 'has':
      return { operation, hit: result === true };
    case 'getMany': {
      if (!Array.isArray(result)) return { operation };
      const hits = result.filter((value) => value !== undefined).length;
      return { operation, hits, misses: result.length - hits };
    }
    case 'hasMany': {
      if (!Array.isArray(result)) return { operation };
      const hits = result.filter((exists) => exists === true).length;
      return { operation, hits, misses: result.length - hits };
    }
    default:
      return { operation };
  }
}

export function resultAttributes(info: KeyvResponseHookInfo): Attributes {
  const attributes: Attributes = {};
  if (info.hit !== undefined) attributes[AttributeNames.CACHE_HIT] = info.hit;
  if (info.hits !== undefined) attributes[AttributeNames.CACHE_HITS] = info.hits;
  if (info.misses !== undefined) attributes[AttributeNames.CACHE_MISSES] = info.misses;
  return attributes;
}

/** An error as a span records it: its name, and its message with every quoted fragment replaced. */
export interface RecordableError {
  name: string;
  message: string;
  stack?: string;
}

const STACK_FRAME = /^\s+at /;

/**
 * The error with quoted text taken out of its message and stack, so that a store or parser quoting the
 * key or value it failed on does not put it on the span. The caller still gets the original error.
 */
export function recordableError(error: unknown): RecordableError {
  if (!isErrorLike(error)) {
    return { name: 'Error', message: typeof error === 'string' ? redact(error) : 'non-Error value thrown' };
  }
  const name = typeof error.name === 'string' && error.name !== '' ? error.name : 'Error';
  const message = redact(error.message);
  const stack = typeof error.stack === 'string' ? error.stack : '';
  const frames = stack.split('\n').filter((line) => STACK_FRAME.test(line));
  return { name, message, stack: [`${name}: ${message}`, ...frames].join('\n') };
}

// Not `instanceof Error`: errors from another realm (a vm context, Node's internals under a test runner) fail it.
function isErrorLike(value: unknown): value is { name?: unknown; message: string; stack?: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

// `JSON.parse` quotes the text it failed on, and stores quote the keys they report: values and keys.
function redact(text: string): string {
  return redactQuotedText(text);
}
