import { KEY_VOCABULARY, isVocabularyWord } from '../../../instrumentations/keyv/key-vocabulary';

describe('the words a cache key may keep as they are (the rest of a key is taken for values)', () => {
  it('knows its words and their plurals in -s, -es and -ies', () => {
    expect(KEY_VOCABULARY.has('user')).toBe(true);
    expect(isVocabularyWord('user')).toBe(true);
    expect(isVocabularyWord('users')).toBe(true);
  });

  it('takes a plural in -ies for a word in -y', () => {
    const wordInY = [...KEY_VOCABULARY].find((word) => word.endsWith('y') && word.length > 3)!;
    expect(wordInY).toBeDefined();
    expect(isVocabularyWord(`${wordInY.slice(0, -1)}ies`)).toBe(true);
  });

  it('takes a plural in -es for a word in -s, -x, -sh or -ch', () => {
    const wordForEs = [...KEY_VOCABULARY].find((word) => /(?:s|x|sh|ch)$/.test(word) && !KEY_VOCABULARY.has(`${word}e`))!;
    expect(wordForEs).toBeDefined();
    expect(isVocabularyWord(`${wordForEs}es`)).toBe(true);
  });

  it('keeps versions such as v2, and nothing else', () => {
    expect(isVocabularyWord('v2')).toBe(true);
    expect(isVocabularyWord('v1234')).toBe(false);
    expect(isVocabularyWord('alice')).toBe(false);
    expect(isVocabularyWord('aliceies')).toBe(false);
    expect(isVocabularyWord('ies')).toBe(false);
  });
});
