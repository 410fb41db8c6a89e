/**
 * Key patterns given explicitly (`SPANLENS_CACHE_KEY_PATTERNS`): literal text with `{name}` placeholders,
 * each standing for one or more characters of the key. A key that matches one is recorded as the pattern,
 * whatever spanlens has learned about keys of its shape.
 */

const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A pattern split into its literal parts: `user:{id}:settings` → `['user:', ':settings']`, one placeholder between each two. */
type LiteralParts = readonly string[];

/** What is wrong with a pattern, or undefined when it can be used. */
export function keyPatternProblem(pattern: string): string | undefined {
  const parsed = parsePattern(pattern);
  return typeof parsed === 'string' ? parsed : undefined;
}

function parsePattern(pattern: string): LiteralParts | string {
  if (pattern.length === 0) return 'empty';
  const literals: string[] = [];
  let literal = '';
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i] as string;
    if (char === '}') return 'a } without {';
    if (char !== '{') {
      literal += char;
      i += 1;
      continue;
    }
    const close = pattern.indexOf('}', i + 1);
    if (close === -1) return 'an unclosed {';
    const name = pattern.slice(i + 1, close);
    if (name.length === 0) return 'an empty {}';
    if (!PLACEHOLDER_NAME.test(name)) return `{${name}} is not a placeholder name (letters, digits, _)`;
    if (literals.length > 0 && literal.length === 0) return 'two placeholders with nothing between them';
    literals.push(literal);
    literal = '';
    i = close + 1;
  }
  literals.push(literal);
  return literals;
}

/** Whether `key` is the literal parts with one or more characters in place of each placeholder. */
function matches(key: string, literals: LiteralParts): boolean {
  const first = literals[0] as string;
  if (literals.length === 1) return key === first;
  if (!key.startsWith(first)) return false;
  let position = first.length;
  // The earliest place for each literal leaves the most room for the rest.
  for (let k = 1; k < literals.length - 1; k += 1) {
    const literal = literals[k] as string;
    const found = key.indexOf(literal, position + 1);
    if (found === -1) return false;
    position = found + literal.length;
  }
  const last = literals[literals.length - 1] as string;
  return key.endsWith(last) && key.length - last.length >= position + 1;
}

/** The explicit patterns, tried in the order given; the first that matches wins. Invalid ones are skipped. */
export class ExplicitKeyPatterns {
  private readonly patterns: Array<{ pattern: string; literals: LiteralParts }> = [];

  constructor(patterns: readonly string[] = []) {
    for (const pattern of patterns) {
      const literals = typeof pattern === 'string' ? parsePattern(pattern) : 'not a string';
      if (typeof literals !== 'string') this.patterns.push({ pattern, literals });
    }
  }

  get size(): number {
    return this.patterns.length;
  }

  /** The first pattern `key` matches, or undefined. */
  match(key: string): string | undefined {
    for (const { pattern, literals } of this.patterns) {
      if (matches(key, literals)) return pattern;
    }
    return undefined;
  }
}
