import { compileIgnoreList } from '../../../src/detection/ignore-list';

describe('compileIgnoreList (SPANLENS_N_PLUS_ONE_IGNORE)', () => {
  it('keeps plain entries as exact fingerprints, trimmed, and skips blank ones', () => {
    const list = compileIgnoreList([' abc123 ', '', '   ', 'keyv.get user:{id}']);
    expect([...list.fingerprints]).toEqual(['abc123', 'keyv.get user:{id}']);
    expect(list.patterns).toEqual([]);
    expect(list.invalid).toEqual([]);
  });

  it('compiles /regex/flags entries, trimmed, without g and y so that a match does not depend on the previous span', () => {
    const list = compileIgnoreList([' /from SETTINGS/igy ']);
    expect(list.fingerprints.size).toBe(0);
    expect(list.patterns.map((pattern) => pattern.flags)).toEqual(['i']);
    const [pattern] = list.patterns;
    expect([pattern!.test('SELECT * FROM settings'), pattern!.test('SELECT * FROM settings')]).toEqual([true, true]);
  });

  it('sets aside a /regex/ that does not compile, listing it, and ignores nothing with it', () => {
    const list = compileIgnoreList(['/(unclosed/', '/ok/']);
    expect(list.invalid).toEqual(['/(unclosed/']);
    expect(list.patterns.map(String)).toEqual(['/ok/']);
    expect(list.fingerprints.size).toBe(0);
  });

  it('skips entries that are not text (options given in code from untyped JavaScript) without throwing', () => {
    const list = compileIgnoreList([42, null, 'abc'] as unknown as string[]);
    expect([...list.fingerprints]).toEqual(['abc']);
    expect(compileIgnoreList().fingerprints.size).toBe(0);
  });
});
