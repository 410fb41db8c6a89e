import { CacheAccumulator } from '../../../src/stats/cache-accumulator';

const lookup = (namespace: string | undefined, hits: number, misses: number) => ({ namespace, hits, misses });

describe('CacheAccumulator', () => {
  it('keeps counting a namespace it already lists after the cap sends new ones to OTHER', () => {
    const cache = new CacheAccumulator(2);
    cache.recordLookups(lookup('a', 1, 0));
    cache.recordLookups(lookup('b', 1, 0));
    cache.recordLookups(lookup('c', 1, 0));
    cache.recordLookups(lookup('a', 5, 0));
    expect(cache.snapshot().namespaces.map(({ namespace, hits }) => [namespace, hits])).toEqual([
      ['a', 6],
      ['OTHER', 1],
      ['b', 1],
    ]);
  });

  it('does not give the OTHER bucket of a merged worker one of the listed places', () => {
    const cache = new CacheAccumulator(2);
    cache.merge({ hits: 1, misses: 0, namespaces: [{ namespace: 'OTHER', hits: 1, misses: 0 }] });
    cache.recordLookups(lookup('a', 1, 0));
    cache.recordLookups(lookup('b', 1, 0));
    cache.recordLookups(lookup('c', 1, 0));
    expect(cache.snapshot().namespaces.map(({ namespace, hits }) => [namespace, hits])).toEqual([
      ['OTHER', 2],
      ['a', 1],
      ['b', 1],
    ]);
  });

  it('lists namespaces by lookups, then by name with the store without a namespace first, whatever the order they were seen in', () => {
    const orders: Array<Array<string | undefined>> = [
      ['Zeta', undefined, 'Alpha'],
      ['Alpha', undefined, 'Zeta'],
      [undefined, 'Zeta', 'Alpha'],
      ['Zeta', 'Alpha', undefined],
    ];
    for (const order of orders) {
      const cache = new CacheAccumulator();
      for (const namespace of order) cache.recordLookups(lookup(namespace, 1, 1));
      cache.recordLookups(lookup('busy', 0, 3));
      expect(cache.snapshot().namespaces.map(({ namespace }) => namespace)).toEqual(['busy', null, 'Alpha', 'Zeta']);
    }
  });
});
