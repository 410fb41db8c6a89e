import { truncate } from '../../src/truncate.js';
import { ExplicitKeyPatterns } from './explicit-key-patterns.js';
import { KeyStructures } from './key-structure.js';

/** Longest `spanlens.cache.key_pattern`; a longer pattern is cut and ends with `…`. */
export const MAX_KEY_PATTERN_LENGTH = 128;

/**
 * The `spanlens.cache.key_pattern` of each key: the first explicit pattern it matches, else the
 * structure learned from the keys seen so far (key-structure.ts). Never a key's own text.
 */
export class CacheKeyPatterns {
  private readonly explicit: ExplicitKeyPatterns;
  private readonly structures = new KeyStructures();

  constructor(explicitPatterns: readonly string[] = []) {
    this.explicit = new ExplicitKeyPatterns(explicitPatterns);
  }

  patternOf(namespace: string | undefined, key: string): string {
    const pattern = this.explicit.match(key) ?? this.structures.patternOf(namespace, key);
    return truncate(pattern, MAX_KEY_PATTERN_LENGTH);
  }
}
