import { LeastCountedMap } from '../../../src/stats/least-counted-map';

describe('LeastCountedMap', () => {
  it('never holds more than its capacity', () => {
    const map = new LeastCountedMap<string>(3);
    for (let i = 0; i < 100; i++) map.touch(`k${i}`, () => `v${i}`);
    expect(map.size).toBe(3);
  });

  it('evicts the least counted entry, the least recently seen among equals', () => {
    const map = new LeastCountedMap<string>(3);
    map.touch('a', () => 'a');
    map.touch('a', () => 'a');
    map.touch('b', () => 'b');
    map.touch('c', () => 'c');
    map.touch('d', () => 'd'); // evicts b: count 1 like c, seen earlier
    expect(map.values().sort()).toEqual(['a', 'c', 'd']);
    map.touch('e', () => 'e'); // evicts c
    expect(map.values().sort()).toEqual(['a', 'd', 'e']);
  });

  it('evicts the least recently seen among equally counted entries, not the first one added', () => {
    const map = new LeastCountedMap<string>(3);
    for (const key of ['a', 'b', 'b', 'a', 'c', 'c', 'c']) map.touch(key, () => key);
    map.touch('d', () => 'd'); // a and b both twice; b last seen before a
    expect(map.values().sort()).toEqual(['a', 'c', 'd']);
  });

  it('keeps a frequent entry last seen long ago over a rarer one seen since', () => {
    const map = new LeastCountedMap<string>(2);
    for (const key of ['rare', 'frequent', 'frequent', 'frequent', 'frequent', 'frequent', 'rare']) map.touch(key, () => key);
    map.touch('new', () => 'new');
    expect(map.values().sort()).toEqual(['frequent', 'new']);
  });

  it('returns the existing value for a known key without creating one', () => {
    const map = new LeastCountedMap<{ n: number }>(2);
    const first = map.touch('k', () => ({ n: 1 }));
    const create = jest.fn(() => ({ n: 2 }));
    expect(map.touch('k', create)).toBe(first);
    expect(create).not.toHaveBeenCalled();
  });
});
