import { runInNewContext } from 'node:vm';
import { firstKeyOf, recordableError, resultInfo, storeNameOf } from '../../../instrumentations/keyv/utils';

describe('firstKeyOf', () => {
  it('takes the key of single-key operations and the first key of batches', () => {
    expect(firstKeyOf('get', 'a:1')).toBe('a:1');
    expect(firstKeyOf('getMany', ['b:2', 'c:3'])).toBe('b:2');
    expect(firstKeyOf('setMany', [{ key: 'd:4', value: 'x' }])).toBe('d:4');
    expect(firstKeyOf('deleteMany', [])).toBeUndefined();
    expect(firstKeyOf('clear', undefined)).toBeUndefined();
  });

  it('ignores keys that are not strings', () => {
    expect(firstKeyOf('get', 42)).toBeUndefined();
    expect(firstKeyOf('setMany', [{ key: 42 }])).toBeUndefined();
  });
});

describe('storeNameOf', () => {
  class KeyvSqlite {}
  class KeyvPostgresAdapter {}
  class KeyvCacheableMemory {}
  class LRUCache {}
  class KeyvRedis {}
  class KeyvBridgeAdapter {
    constructor(readonly store: unknown) {}
  }
  class KeyvMemoryAdapter {
    constructor(readonly store: unknown) {}
  }

  it.each([
    ['a Map', 'memory', new Map()],
    ["keyv 6's memory adapter", 'memory', new KeyvMemoryAdapter(new Map())],
    ['KeyvRedis', 'redis', new KeyvRedis()],
    ["KeyvRedis behind keyv 6's bridge", 'redis', new KeyvBridgeAdapter(new KeyvRedis())],
    ['KeyvSqlite', 'sqlite', new KeyvSqlite()],
    ['KeyvPostgresAdapter', 'postgres', new KeyvPostgresAdapter()],
    ["cacheable's in-memory store", 'memory', new KeyvCacheableMemory()],
    ['an LRU cache', 'lrucache', new LRUCache()],
    ['a plain object', 'unknown', { get() {} }],
    ['no store', 'unknown', undefined],
  ])('names %s "%s"', (_description, name, store) => {
    expect(storeNameOf(store)).toBe(name);
  });
});

describe('resultInfo', () => {
  it('counts a get as a hit whenever a value comes back, even null, 0 or false', () => {
    expect(resultInfo('get', null).hit).toBe(true);
    expect(resultInfo('get', 0).hit).toBe(true);
    expect(resultInfo('get', false).hit).toBe(true);
    expect(resultInfo('get', '').hit).toBe(true);
    expect(resultInfo('get', undefined).hit).toBe(false);
  });

  it('counts a has as a hit only when it returns true', () => {
    expect(resultInfo('has', true).hit).toBe(true);
    expect(resultInfo('has', false).hit).toBe(false);
  });

  it('counts the hits and misses of a getMany', () => {
    expect(resultInfo('getMany', [1, undefined, null, undefined])).toEqual({ operation: 'getMany', hits: 2, misses: 2 });
  });

  it('reports no hit for writes', () => {
    expect(resultInfo('set', true)).toEqual({ operation: 'set' });
  });
});

describe('recordableError', () => {
  it('takes quoted text out of the message and the stack, where parsers and stores put keys and values', () => {
    let parseError: unknown;
    try {
      JSON.parse('secret-value-917 and more');
    } catch (error) {
      parseError = error;
    }
    const recordable = recordableError(parseError);
    expect(recordable.name).toBe('SyntaxError');
    expect(recordable.message).not.toContain('secret');
    expect(recordable.stack).not.toContain('secret');
    expect(recordable.stack).toMatch(/^SyntaxError: .*\n\s+at /);
  });

  it("keeps apostrophes inside words, so keyv's own messages stay readable", () => {
    expect(recordableError(new Error(`Can't clear namespace "tenant-9": the store's clear() is global`)).message).toBe(
      `Can't clear namespace "…": the store's clear() is global`,
    );
  });

  it('describes errors from another realm, as Node internals raise them under a test runner', () => {
    const foreign: unknown = runInNewContext('new TypeError("socket closed")');
    expect(foreign instanceof Error).toBe(false);
    expect(recordableError(foreign)).toMatchObject({ name: 'TypeError', message: 'socket closed' });
  });

  it('describes non-Error values keyv emits, such as its symbol message', () => {
    expect(recordableError('symbol cannot be serialized')).toEqual({ name: 'Error', message: 'symbol cannot be serialized' });
    expect(recordableError({ secret: 1 })).toEqual({ name: 'Error', message: 'non-Error value thrown' });
  });
});
