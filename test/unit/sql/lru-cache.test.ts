import { LruCache } from '../../../src/sql/lru-cache';

describe('LruCache', () => {
  it('never holds more entries than its capacity', () => {
    const cache = new LruCache<number, number>(3);
    for (let i = 0; i < 100; i += 1) cache.set(i, i);
    expect(cache.size).toBe(3);
    expect([97, 98, 99].map((k) => cache.get(k))).toEqual([97, 98, 99]);
  });

  it('forgets an entry not used since it went in before one that was used', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('gives every used entry a second chance, then forgets the oldest when all were used', () => {
    const cache = new LruCache<string, number>(3);
    for (const key of ['a', 'b', 'c']) cache.set(key, 0);
    for (const key of ['c', 'a', 'b']) cache.get(key);
    cache.set('d', 1);
    expect(cache.get('a')).toBeUndefined();
    expect(['b', 'c', 'd'].map((key) => cache.get(key))).toEqual([0, 0, 1]);
    // b, c and d were just used again; e pushes out the first of them the clock reaches with its flag clear.
    cache.set('e', 2);
    expect(cache.size).toBe(3);
    expect(cache.get('e')).toBe(2);
  });

  it('keeps a frequently used entry however many new ones pass through', () => {
    const cache = new LruCache<string, number>(4);
    cache.set('hot', 1);
    for (let i = 0; i < 1000; i += 1) {
      expect(cache.get('hot')).toBe(1);
      cache.set(`cold${i}`, i);
    }
    expect(cache.size).toBe(4);
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
