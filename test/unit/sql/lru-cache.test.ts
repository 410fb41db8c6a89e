import { LruCache } from '../../../src/sql/lru-cache';

describe('LruCache', () => {
  it('never holds more entries than its capacity', () => {
    const cache = new LruCache<number, number>(3);
    for (let i = 0; i < 100; i += 1) cache.set(i, i);
    expect(cache.size).toBe(3);
    expect([97, 98, 99].map((k) => cache.get(k))).toEqual([97, 98, 99]);
  });

  it('forgets the least recently used entry first', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('replaces the value of a key it already has without growing', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('a', 2);
    expect(cache.size).toBe(1);
    expect(cache.get('a')).toBe(2);
  });

  it('keeps at least one entry whatever capacity it is given', () => {
    expect(new LruCache(0).capacity).toBe(1);
    expect(new LruCache(Number.NaN).capacity).toBe(1);
  });

  it('empties on clear', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
