/**
 * A small SQL lexer: enough to find every literal value, comment and parameter of a statement in one
 * linear pass, without PostgreSQL's parser. It produces the normalized text of every statement (parsed
 * or not) and the canonical text the fallback fingerprint is a hash of.
 */

export type SqlTokenType = 'word' | 'quoted' | 'param' | 'literal' | 'operator' | 'punct';

export interface SqlToken {
  readonly type: SqlTokenType;
  /** As written; empty for literals, whose value is never kept. */
  readonly text: string;
  /** Whether whitespace or a comment separated this token from the previous one. */
  readonly spaceBefore: boolean;
}

export interface LexOptions {
  /** `'it\'s'`: MySQL's default, and PostgreSQL's with `standard_conforming_strings` off. */
  backslashEscapesInStrings: boolean;
  /**
   * Without backslash escapes, a quote after a backslash and before a word character is still taken as
   * escaped (`'O\'Brien'`) unless this is set: then every quote ends the string, as the standard says.
   */
  strictStandardStrings?: boolean;
  /** Whether a string continues in one after whitespace with a newline (PostgreSQL, standard SQL); default true. */
  joinContinuedStrings?: boolean;
  /**
   * Whether any `"…"` is an identifier (PostgreSQL's rule). Otherwise only
   * identifier-shaped ones are kept, so a MySQL string such as `"bob@example.com"` never survives.
   */
  doubleQuotedAreIdentifiers: boolean;
}

export interface NormalizedStatement {
  /** Literals replaced by `$n` (or `?` when the statement uses `?` parameters), comments dropped. */
  normalized: string;
  /** Placeholders as `?`, words lower-cased, IN/ARRAY lists and repeated VALUES rows collapsed. */
  canonical: string;
}

// After one of these, `-` or `+` before a number is a sign, not an operator.
const SIGN_CONTEXT_WORDS = new Set([
  'and', 'or', 'not', 'select', 'where', 'when', 'then', 'else', 'values', 'set', 'by', 'limit', 'offset',
  'returning', 'in', 'is', 'like', 'ilike', 'between', 'case', 'on', 'having', 'as', 'return', 'default', 'any',
  'all', 'some', 'array',
]);

const LIST_COLLAPSE_MARK = ' /*, ... */';

// Character classes of ASCII, by code: one table lookup instead of a chain of comparisons.
const WORD_START = 1;
const DIGIT = 2;
const OPERATOR = 4;
const SPACE = 8;
const CHARACTER_CLASS = new Uint8Array(128);
for (let code = 0; code < 128; code += 1) {
  const char = String.fromCharCode(code);
  if (/[A-Za-z_]/.test(char)) CHARACTER_CLASS[code] = WORD_START;
  else if (/[0-9]/.test(char)) CHARACTER_CLASS[code] = DIGIT;
  else if ('+-*/<>=~!@#%^&|'.includes(char)) CHARACTER_CLASS[code] = OPERATOR;
  else if (code === 32 || (code >= 9 && code <= 13)) CHARACTER_CLASS[code] = SPACE;
}

function isWordStart(code: number): boolean {
  return code >= 128 ? true : CHARACTER_CLASS[code] === WORD_START;
}

function isWordPart(code: number): boolean {
  return code >= 128 ? true : ((CHARACTER_CLASS[code] as number) & (WORD_START | DIGIT)) !== 0 || code === 36;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

const IDENTIFIER_SHAPE = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Index just past a quoted run that starts at `start` (the opening quote); the end of `sql` if unterminated. */
function skipQuoted(sql: string, start: number, quote: number, backslashEscapes: boolean, strict = false): number {
  const length = sql.length;
  let j = start + 1;
  while (j < length) {
    const code = sql.charCodeAt(j);
    if (backslashEscapes && code === 92) {
      j += 2;
      continue;
    }
    if (code === quote) {
      if (sql.charCodeAt(j + 1) === quote) {
        j += 2;
        continue;
      }
      // `'O\'Brien'` without backslash escapes would end at `O\` and leave `Brien` outside the string:
      // a quote after a backslash and before a word character is taken as escaped.
      if (!strict && quote === 39 && sql.charCodeAt(j - 1) === 92 && isWordPart(sql.charCodeAt(j + 1))) {
        j += 1;
        continue;
      }
      return j + 1;
    }
    j += 1;
  }
  return length;
}

/**
 * Index just past a '…' string starting at `start` and the strings that continue it: PostgreSQL (like
 * the standard) joins string constants separated by whitespace with a newline (`'a'\n'b'` is `'ab'`),
 * and a continued escape string keeps reading backslashes.
 */
function skipString(sql: string, start: number, backslashEscapes: boolean, strict: boolean, join: boolean): number {
  let end = skipQuoted(sql, start, 39, backslashEscapes, strict);
  if (!join) return end;
  for (let next = continuationQuote(sql, end); next !== -1; next = continuationQuote(sql, end)) {
    end = skipQuoted(sql, next, 39, backslashEscapes, strict);
  }
  return end;
}

/** Index of the quote continuing a string that ended at `end` (over spaces, `--` comments and a newline), or -1. */
function continuationQuote(sql: string, end: number): number {
  let j = end;
  let newline = false;
  while (j < sql.length) {
    const code = sql.charCodeAt(j);
    if (code === 10) newline = true;
    if (code === 10 || (code < 128 && CHARACTER_CLASS[code] === SPACE)) {
      j += 1;
    } else if (code === 45 && sql.charCodeAt(j + 1) === 45) {
      const lineEnd = sql.indexOf('\n', j);
      j = lineEnd === -1 ? sql.length : lineEnd;
    } else {
      break;
    }
  }
  return newline && sql.charCodeAt(j) === 39 ? j : -1;
}

/** Index just past a comment starting at `start`, or `start` when none starts there. */
function skipComment(sql: string, start: number): number {
  const code = sql.charCodeAt(start);
  if (code === 45 && sql.charCodeAt(start + 1) === 45) {
    const end = sql.indexOf('\n', start + 2);
    return end === -1 ? sql.length : end + 1;
  }
  if (code !== 47 || sql.charCodeAt(start + 1) !== 42) return start;
  // /* comments */ nest in PostgreSQL.
  let depth = 1;
  let j = start + 2;
  while (j < sql.length && depth > 0) {
    const c = sql.charCodeAt(j);
    if (c === 47 && sql.charCodeAt(j + 1) === 42) {
      depth += 1;
      j += 2;
    } else if (c === 42 && sql.charCodeAt(j + 1) === 47) {
      depth -= 1;
      j += 2;
    } else {
      j += 1;
    }
  }
  return j;
}

/** Whether a `-` or `+` token followed by a number is a sign, given the token before it. */
function isSign(sign: SqlToken | undefined, before: SqlToken | undefined): boolean {
  if (sign === undefined || sign.type !== 'operator' || (sign.text !== '-' && sign.text !== '+')) return false;
  return (
    before === undefined ||
    before.type === 'operator' ||
    (before.type === 'punct' && before.text !== ')' && before.text !== ']') ||
    (before.type === 'word' && SIGN_CONTEXT_WORDS.has(before.text.toLowerCase()))
  );
}

/**
 * Splits `sql` into tokens; literal values are reduced to a `literal` token without text. When
 * `literalRanges` is given, the start and end index of each literal are appended to it.
 */
export function tokenizeSql(sql: string, options: LexOptions, literalRanges?: number[]): SqlToken[] {
  const tokens: SqlToken[] = [];
  const length = sql.length;
  const backslashEscapes = options.backslashEscapesInStrings;
  const strict = options.strictStandardStrings === true;
  const join = options.joinContinuedStrings !== false;
  let i = 0;
  let spaceBefore = false;

  while (i < length) {
    const code = sql.charCodeAt(i);
    const kind = code < 128 ? (CHARACTER_CLASS[code] as number) : WORD_START;

    if (kind === SPACE) {
      spaceBefore = true;
      i += 1;
      continue;
    }
    if (kind === WORD_START) {
      let j = i + 1;
      while (j < length && isWordPart(sql.charCodeAt(j))) j += 1;
      const next = sql.charCodeAt(j);
      // E'…', B'…', X'…', N'…' and U&'…' are string constants with a prefix.
      if (j - i === 1 && next === 39 && 'eEbBxXnN'.includes(sql[i] as string)) {
        const end = skipString(sql, j, code === 101 || code === 69 || backslashEscapes, strict, join);
        literalRanges?.push(i, end);
        i = end;
        tokens.push({ type: 'literal', text: '', spaceBefore });
      } else if (j - i === 1 && (code === 117 || code === 85) && next === 38 && sql.charCodeAt(j + 1) === 39) {
        const end = skipString(sql, j + 1, backslashEscapes, strict, join);
        literalRanges?.push(i, end);
        i = end;
        tokens.push({ type: 'literal', text: '', spaceBefore });
      } else {
        tokens.push({ type: 'word', text: sql.slice(i, j), spaceBefore });
        i = j;
      }
      spaceBefore = false;
      continue;
    }
    if (kind === DIGIT || (code === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      const start = i;
      i = skipNumber(sql, i);
      // A sign directly before a number belongs to the literal when nothing it could subtract from precedes it.
      const last = tokens[tokens.length - 1];
      if (!spaceBefore && isSign(last, tokens[tokens.length - 2])) {
        tokens[tokens.length - 1] = { type: 'literal', text: '', spaceBefore: (last as SqlToken).spaceBefore };
        literalRanges?.push(start - 1, i);
      } else {
        tokens.push({ type: 'literal', text: '', spaceBefore });
        literalRanges?.push(start, i);
      }
      spaceBefore = false;
      continue;
    }
    if (kind === OPERATOR) {
      const afterComment = skipComment(sql, i);
      if (afterComment !== i) {
        i = afterComment;
        spaceBefore = true;
        continue;
      }
      let j = i + 1;
      while (j < length) {
        const c = sql.charCodeAt(j);
        if (c >= 128 || CHARACTER_CLASS[c] !== OPERATOR || skipComment(sql, j) !== j) break;
        j += 1;
      }
      tokens.push({ type: 'operator', text: sql.slice(i, j), spaceBefore });
      spaceBefore = false;
      i = j;
      continue;
    }
    switch (code) {
      case 39: {
        // '…' strings
        const end = skipString(sql, i, backslashEscapes, strict, join);
        literalRanges?.push(i, end);
        i = end;
        tokens.push({ type: 'literal', text: '', spaceBefore });
        break;
      }
      case 34: {
        // "…" identifiers
        const end = skipQuoted(sql, i, 34, !options.doubleQuotedAreIdentifiers && backslashEscapes, strict);
        const text = sql.slice(i, end);
        if (options.doubleQuotedAreIdentifiers || IDENTIFIER_SHAPE.test(text.slice(1, -1))) {
          tokens.push({ type: 'quoted', text, spaceBefore });
        } else {
          tokens.push({ type: 'literal', text: '', spaceBefore });
          literalRanges?.push(i, end);
        }
        i = end;
        break;
      }
      case 96: {
        // `…` identifiers (MySQL)
        const end = skipQuoted(sql, i, 96, false);
        tokens.push({ type: 'quoted', text: sql.slice(i, end), spaceBefore });
        i = end;
        break;
      }
      case 36: {
        // $1 parameters and $tag$…$tag$ strings
        let j = i + 1;
        if (isDigit(sql.charCodeAt(j))) {
          while (j < length && isDigit(sql.charCodeAt(j))) j += 1;
          tokens.push({ type: 'param', text: sql.slice(i, j), spaceBefore });
          i = j;
          break;
        }
        if (isWordStart(sql.charCodeAt(j))) {
          while (j < length && isWordPart(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 36) j += 1;
        }
        if (sql.charCodeAt(j) === 36) {
          const delimiter = sql.slice(i, j + 1);
          const close = sql.indexOf(delimiter, j + 1);
          const end = close === -1 ? length : close + delimiter.length;
          literalRanges?.push(i, end);
          i = end;
          tokens.push({ type: 'literal', text: '', spaceBefore });
        } else {
          tokens.push({ type: 'punct', text: '$', spaceBefore });
          i += 1;
        }
        break;
      }
      case 63: // ? parameters
        tokens.push({ type: 'param', text: '?', spaceBefore });
        i += 1;
        break;
      default:
        tokens.push({ type: 'punct', text: sql[i] as string, spaceBefore });
        i += 1;
    }
    spaceBefore = false;
  }
  return tokens;
}

/**
 * How a statement of unknown dialect may escape quotes inside strings: as the standard says (`'C:\'`
 * ends after the backslash), with spanlens' reading of `'O\'Brien'`, or with backslash escapes (MySQL,
 * PostgreSQL with `standard_conforming_strings` off); and whether a string on the next line continues
 * the one before (PostgreSQL; an escape string's backslashes then carry on) or stands alone (MySQL).
 * Double-quoted text is a string unless it reads like a name.
 */
const READINGS_OF_UNKNOWN_DIALECT: readonly LexOptions[] = [
  { backslashEscapesInStrings: false, doubleQuotedAreIdentifiers: false, strictStandardStrings: true },
  { backslashEscapesInStrings: false, doubleQuotedAreIdentifiers: false, strictStandardStrings: true, joinContinuedStrings: false },
  { backslashEscapesInStrings: false, doubleQuotedAreIdentifiers: false },
  { backslashEscapesInStrings: true, doubleQuotedAreIdentifiers: false },
];

/**
 * Tokens of a statement whose dialect is not known (the parser has not loaded, rejected it, or it is
 * too long to parse). Where all the readings above find the same literals, every mix of their rules
 * does too, and their tokens are right. From the first string they read differently, none of them can
 * be trusted to know where later strings begin and end (a wrong one would show the rest of a string as
 * code): everything from there to the end of the statement is one literal.
 */
export function tokenizeSqlOfUnknownDialect(sql: string): SqlToken[] {
  const [first, ...others] = READINGS_OF_UNKNOWN_DIALECT as [LexOptions, ...LexOptions[]];
  // Without a backslash, the readings find the same strings (joining continued ones only hides the space between).
  if (!sql.includes('\\')) return tokenizeSql(sql, first);
  const firstRanges: number[] = [];
  const tokens = tokenizeSql(sql, first, firstRanges);
  let cut = Infinity;
  for (const reading of others) {
    const ranges: number[] = [];
    tokenizeSql(sql, reading, ranges);
    cut = Math.min(cut, firstDisagreement(firstRanges, ranges));
  }
  if (cut === Infinity) return tokens;
  const result = tokenizeSql(sql.slice(0, cut), first);
  result.push({ type: 'literal', text: '', spaceBefore: cut > 0 && isSpace(sql.charCodeAt(cut - 1)) });
  return result;
}

function isSpace(code: number): boolean {
  return code < 128 && CHARACTER_CLASS[code] === SPACE;
}

/** Index in the text of the first literal two readings' start/end lists disagree on; Infinity if none. */
function firstDisagreement(a: readonly number[], b: readonly number[]): number {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k] && a[k + 1] === b[k + 1]) k += 2;
  if (k >= a.length && k >= b.length) return Infinity;
  return Math.min(a[k] ?? Infinity, b[k] ?? Infinity);
}

function skipNumber(sql: string, start: number): number {
  const length = sql.length;
  let j = start;
  if (sql.charCodeAt(j) === 48 && /[xXoObB]/.test(sql[j + 1] ?? '') && /[0-9a-fA-F_]/.test(sql[j + 2] ?? '')) {
    j += 2;
    while (j < length && /[0-9a-fA-F_]/.test(sql[j] as string)) j += 1;
    return j;
  }
  while (j < length && (isDigit(sql.charCodeAt(j)) || sql.charCodeAt(j) === 95)) j += 1;
  if (sql.charCodeAt(j) === 46 && sql.charCodeAt(j + 1) !== 46) {
    j += 1;
    while (j < length && (isDigit(sql.charCodeAt(j)) || sql.charCodeAt(j) === 95)) j += 1;
  }
  const e = sql.charCodeAt(j);
  if (e === 101 || e === 69) {
    let k = j + 1;
    if (sql[k] === '+' || sql[k] === '-') k += 1;
    if (isDigit(sql.charCodeAt(k))) {
      j = k;
      while (j < length && isDigit(sql.charCodeAt(j))) j += 1;
    }
  }
  return j;
}

function isPlaceholder(token: SqlToken | undefined): boolean {
  return token !== undefined && (token.type === 'param' || token.type === 'literal');
}

function isPunct(token: SqlToken | undefined, text: string): boolean {
  return token !== undefined && token.type === 'punct' && token.text === text;
}

function isWord(token: SqlToken | undefined, lowerCase: string): boolean {
  return token !== undefined && token.type === 'word' && token.text.toLowerCase() === lowerCase;
}

/** Index of the token closing the bracket opened at `open`, or -1. */
function matchingClose(tokens: readonly SqlToken[], open: number, openText: string, closeText: string): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k += 1) {
    const token = tokens[k] as SqlToken;
    if (token.type !== 'punct') continue;
    if (token.text === openText) depth += 1;
    else if (token.text === closeText && --depth === 0) return k;
  }
  return -1;
}

function canonicalOf(token: SqlToken): string {
  switch (token.type) {
    case 'word':
      return token.text.toLowerCase();
    case 'param':
    case 'literal':
      return '?';
    default:
      return token.text;
  }
}

/**
 * Renders tokens as normalized and canonical text. `IN (…)` and `ARRAY[…]` lists of placeholders keep
 * their first element (as PostgreSQL 18's pg_stat_statements shows them), and VALUES rows identical to
 * the first one are dropped, so a statement's shape does not depend on how many values it carries.
 */
export function renderTokens(tokens: readonly SqlToken[]): NormalizedStatement {
  const skip = new Uint8Array(tokens.length);
  const collapsedAfter = new Uint8Array(tokens.length);
  let maxParam = 0;
  let questionParams = false;

  for (let k = 0; k < tokens.length; k += 1) {
    const token = tokens[k] as SqlToken;
    if (token.type === 'param') {
      if (token.text === '?') questionParams = true;
      else maxParam = Math.max(maxParam, Number(token.text.slice(1)) || 0);
      continue;
    }
    if (token.type !== 'punct' || skip[k] === 1) continue;
    const previous = tokens[k - 1];
    const close =
      token.text === '(' && isWord(previous, 'in') ? ')' : token.text === '[' && isWord(previous, 'array') ? ']' : undefined;
    if (close !== undefined) {
      let end = k + 1;
      let count = 0;
      while (isPlaceholder(tokens[end])) {
        count += 1;
        if (isPunct(tokens[end + 1], ',')) end += 2;
        else {
          end += 1;
          break;
        }
      }
      if (count >= 2 && isPunct(tokens[end], close)) {
        for (let s = k + 2; s < end; s += 1) skip[s] = 1;
        collapsedAfter[k + 1] = 1;
      }
      continue;
    }
    if (token.text === '(' && isWord(previous, 'values')) collapseValuesRows(tokens, k, skip, collapsedAfter);
  }

  // Trailing semicolons are not part of the statement's shape.
  let last = tokens.length - 1;
  while (last >= 0 && isPunct(tokens[last], ';')) last -= 1;

  let nextNumber = maxParam;
  let normalized = '';
  const canonical: string[] = [];
  for (let k = 0; k <= last; k += 1) {
    if (skip[k] === 1) continue;
    const token = tokens[k] as SqlToken;
    let text = token.text;
    if (token.type === 'literal') {
      nextNumber += 1;
      text = questionParams ? '?' : `$${nextNumber}`;
    }
    if (normalized.length > 0 && token.spaceBefore) normalized += ' ';
    normalized += text;
    if (collapsedAfter[k] === 1) normalized += LIST_COLLAPSE_MARK;
    canonical.push(canonicalOf(token));
  }
  return { normalized, canonical: canonical.join(' ') };
}

function collapseValuesRows(
  tokens: readonly SqlToken[],
  open: number,
  skip: Uint8Array,
  collapsedAfter: Uint8Array,
): void {
  const firstClose = matchingClose(tokens, open, '(', ')');
  if (firstClose === -1) return;
  const first = rowShape(tokens, open, firstClose);
  let end = firstClose;
  while (isPunct(tokens[end + 1], ',') && isPunct(tokens[end + 2], '(')) {
    const close = matchingClose(tokens, end + 2, '(', ')');
    if (close === -1 || rowShape(tokens, end + 2, close) !== first) break;
    end = close;
  }
  if (end === firstClose) return;
  for (let s = firstClose + 1; s <= end; s += 1) skip[s] = 1;
  collapsedAfter[firstClose] = 1;
}

function rowShape(tokens: readonly SqlToken[], from: number, to: number): string {
  let shape = '';
  for (let k = from; k <= to; k += 1) shape += `${canonicalOf(tokens[k] as SqlToken)} `;
  return shape;
}
