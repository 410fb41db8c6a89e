import fc from 'fast-check';
import { ExplicitKeyPatterns, keyPatternProblem } from '../../../instrumentations/keyv/explicit-key-patterns';
import { CacheKeyPatterns, MAX_KEY_PATTERN_LENGTH } from '../../../instrumentations/keyv/key-patterns';
import {
  KeyStructures,
  MAX_KEY_STRUCTURES,
  MAX_VALUES_PER_POSITION,
  MIN_KEYS_TO_LEARN_WORD,
} from '../../../instrumentations/keyv/key-structure';

/** The pattern of each key in turn, as one instrumentation sees them. */
function patternsOf(keys: string[], namespace = 'app'): string[] {
  const structures = new KeyStructures();
  return keys.map((key) => structures.patternOf(namespace, key));
}

describe('key patterns learned from the keys seen', () => {
  it.each([
    ['user:42:settings', 'user:{id}:settings'],
    ['order:7:line:12', 'order:{id}:line:{id}'],
    ['session:3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f', 'session:{id}'],
    ['user:bob@example.com:settings', 'user:{id}:settings'],
    ['doc:507f1f77bcf86cd799439011', 'doc:{id}'],
    ['token:V1StGXR8Z5jdHi6BmyTq', 'token:{id}'],
    ['invoice:2024-0042', 'invoice:{id}-{id}'],
    ['cache:v2:products', 'cache:v2:products'],
    ['settings:notifications.email', 'settings:notifications.email'],
    ['user_42:profile', 'user_{id}:profile'],
    ['loadInvoice::ZXhhbXBsZSBoYXNoIG9mIGFyZ3M=', 'loadInvoice::{id}'],
    ['GET:/api/meetings/42', 'GET:/api/meetings/{id}'],
    ['feature-flags', 'feature-flags'],
    ['', ''],
  ])('shows the structure of %j the first time it is seen: %j', (key, pattern) => {
    expect(patternsOf([key])).toEqual([pattern]);
  });

  it.each([
    ['a name', 'session:alice.smith', 'session:{id}'],
    ['a search', 'search:john smith hiv test', 'search:{id}'],
    ['a token', 'pwreset:Xy7pQ2Lk', '{id}:{id}'],
    ['a word outside the vocabulary', 'cache:facade:decade', 'cache:{id}:{id}'],
    ['non-ASCII text', 'profile:zoë', 'profile:{id}'],
  ])('never shows %s the first time: %s → %s', (_what, key, pattern) => {
    expect(patternsOf([key])).toEqual([pattern]);
  });

  it('gives every key of one kind the same pattern from the first key on, so repeated lookups group', () => {
    const names = ['alice.smith', 'bob', 'carol.jones', 'dave', 'erin', 'frank.miller'];
    expect(new Set(patternsOf(names.map((name) => `session:${name}`)))).toEqual(new Set(['session:{id}']));
  });

  it(`learns a word outside the vocabulary once it was the only value of its position in ${MIN_KEYS_TO_LEARN_WORD} keys while another position varied`, () => {
    const tokens = Array.from({ length: MIN_KEYS_TO_LEARN_WORD + 1 }, (_, i) => `pwreset:Tk${String.fromCharCode(97 + i)}Qz`);
    const patterns = patternsOf(tokens);
    expect(patterns.slice(0, MIN_KEYS_TO_LEARN_WORD - 1)).toEqual(Array(MIN_KEYS_TO_LEARN_WORD - 1).fill('{id}:{id}'));
    expect(patterns.slice(MIN_KEYS_TO_LEARN_WORD - 1)).toEqual(['pwreset:{id}', 'pwreset:{id}']);
  });

  it('never learns a key looked up again and again: a word needs distinct keys around it', () => {
    expect(new Set(patternsOf(Array(50).fill('pwreset:Xy7pQ2Lk')))).toEqual(new Set(['{id}:{id}']));
  });

  it('never shows a value that shares its position with others, however often each one comes back', () => {
    const keys: string[] = [];
    for (let meeting = 1; meeting <= 40; meeting++) keys.push(`user:alice:meeting:${meeting}`, `user:bob:meeting:${meeting}`);
    const patterns = patternsOf(keys);
    expect(new Set(patterns)).toEqual(new Set(['user:{id}:meeting:{id}']));
  });

  it('hides a vocabulary word at a position that also holds names or ids', () => {
    expect(patternsOf(['session:alice', 'session:page', 'page:2', 'page:about'])).toEqual([
      'session:{id}',
      'session:{id}',
      'page:{id}',
      'page:{id}',
    ]);
  });

  it(`treats a position that took more than ${MAX_VALUES_PER_POSITION} values as content, vocabulary words included`, () => {
    const words = ['users', 'orders', 'products', 'invoices', 'payments', 'events', 'teams', 'reports', 'tickets'];
    expect(words).toHaveLength(MAX_VALUES_PER_POSITION + 1);
    const patterns = patternsOf(words.map((word) => `search:${word}`));
    expect(patterns.slice(0, MAX_VALUES_PER_POSITION)).toEqual(words.slice(0, MAX_VALUES_PER_POSITION).map((word) => `search:${word}`));
    expect(patterns[MAX_VALUES_PER_POSITION]).toBe('search:{id}');
    expect(patternsOf([...words, 'search:users'].map((word) => (word.startsWith('search:') ? word : `search:${word}`))).at(-1)).toBe('search:{id}');
  });

  it('learns each namespace on its own', () => {
    const structures = new KeyStructures();
    for (let i = 0; i < MIN_KEYS_TO_LEARN_WORD; i++) structures.patternOf('mail', `outbox:${1000 + i}`);
    expect(structures.patternOf('mail', 'outbox:77')).toBe('outbox:{id}');
    expect(structures.patternOf('billing', 'outbox:77')).toBe('{id}:{id}');
  });

  it(`keeps at most ${MAX_KEY_STRUCTURES} structures, and shows only vocabulary words for keys of new ones past it`, () => {
    const structures = new KeyStructures();
    for (let i = 0; i < MAX_KEY_STRUCTURES + 200; i++) structures.patternOf('app', `tenant${i.toString(36)}x:cart:${i}`);
    expect(structures.structureCount).toBe(MAX_KEY_STRUCTURES);
    expect(structures.patternOf('app', 'user:42:settings')).toBe('user:{id}:settings');
    expect(structures.patternOf('app', 'session:alice')).toBe('session:{id}');
  });

  it('reads a very long key only so far, and never shows what it did not read', () => {
    const key = `report:${'x'.repeat(10_000)}:secret`;
    expect(patternsOf([key])).toEqual(['report:{id}']);
  });

  describe('for any keys whose varying parts differ from key to key', () => {
    // Every word of a varying part starts with zq, which no structure word does.
    const secret = fc.oneof(
      fc.stringMatching(/^zq[a-z]{3,9}(\.zq[a-z]{3,9})?$/),
      fc.stringMatching(/^zq[a-z]{3,8}( zq[a-z]{2,8}){1,3}$/),
      fc.stringMatching(/^zq[A-Za-z0-9]{6,12}$/),
      fc.stringMatching(/^zq[a-z]{3,8}@zq[a-z]{3,8}\.(com|org)$/),
    );
    const kinds = [
      (value: string) => `session:${value}`,
      (value: string) => `search:${value}`,
      (value: string) => `pwreset:${value}`,
      (value: string) => `user:${value}:prefs`,
      (value: string) => `${value}:cart`,
      (value: string) => `profile:${value}:avatar:v2`,
    ];

    it('shows none of them, however many keys were seen', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(secret, { minLength: 1, maxLength: 60, selector: (value) => value.toLowerCase() }),
          fc.array(fc.nat(kinds.length - 1), { minLength: 60, maxLength: 60 }),
          (values, kindIndexes) => {
            const structures = new CacheKeyPatterns();
            values.forEach((value, i) => {
              const pattern = structures.patternOf('app', kinds[kindIndexes[i] as number]!(value));
              expect(pattern).not.toContain('zq');
            });
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});

describe('explicit key patterns', () => {
  it.each([
    ['session:{name}', 'session:alice.smith', true],
    ['session:{name}', 'session:', false],
    ['user:{id}:settings', 'user:42:settings', true],
    ['user:{id}:settings', 'user::settings', false],
    ['user:{id}:settings', 'user:4:2:settings', true],
    ['user:{id}:settings', 'user:42:settings:extra', false],
    ['{tenant}/reports/{id}', 'acme/reports/7', true],
    ['homepage', 'homepage', true],
    ['homepage', 'homepage2', false],
    // Each placeholder stands for at least one character, the last one too, after a middle literal.
    ['k:{a}:mid:{b}:end', 'k:1:mid:2:end', true],
    ['k:{a}:mid:{b}:end', 'k:1:mid::end', false],
  ])('%s matches %j: %s', (pattern, key, expected) => {
    expect(new ExplicitKeyPatterns([pattern]).match(key)).toBe(expected ? pattern : undefined);
  });

  it('skips entries that are not text, keeping the valid ones', () => {
    const patterns = new ExplicitKeyPatterns([42 as unknown as string, 'session:{name}']);
    expect(patterns.size).toBe(1);
    expect(patterns.match('session:alice')).toBe('session:{name}');
  });

  it('uses the first pattern a key matches', () => {
    const patterns = new ExplicitKeyPatterns(['user:{id}:settings', 'user:{id}:{part}', 'user:{rest}']);
    expect(patterns.match('user:7:settings')).toBe('user:{id}:settings');
    expect(patterns.match('user:7:avatar')).toBe('user:{id}:{part}');
    expect(patterns.match('user:7')).toBe('user:{rest}');
  });

  it.each([
    ['user:{id', 'an unclosed {'],
    ['user:{}:x', 'an empty {}'],
    ['{a}{b}', 'two placeholders with nothing between them'],
    ['user:id}', 'a } without {'],
    ['user:{a b}', '{a b} is not a placeholder name (letters, digits, _)'],
    ['', 'empty'],
  ])('rejects %s: %s', (pattern, problem) => {
    expect(keyPatternProblem(pattern)).toBe(problem);
    expect(new ExplicitKeyPatterns([pattern]).size).toBe(0);
  });

  it('win over the learned structure, which still covers every other key', () => {
    const patterns = new CacheKeyPatterns(['session:{name}']);
    expect(patterns.patternOf('app', 'session:alice')).toBe('session:{name}');
    expect(patterns.patternOf('app', 'user:42:settings')).toBe('user:{id}:settings');
  });

  it(`cut a pattern longer than ${MAX_KEY_PATTERN_LENGTH} characters and mark the cut`, () => {
    const pattern = new CacheKeyPatterns().patternOf('app', `report:${'section:'.repeat(40)}42`);
    expect(pattern).toHaveLength(MAX_KEY_PATTERN_LENGTH);
    expect(pattern.endsWith('…')).toBe(true);
  });
});
