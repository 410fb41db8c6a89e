import { type StatementDescription, SummaryBuilder } from './query-summary.js';
import type { SqlToken } from './sql-lexer.js';

const DATA_OPERATIONS = new Set(['select', 'insert', 'update', 'delete', 'merge']);

// `ON CONFLICT DO UPDATE`, `FOR UPDATE`, `ON DELETE CASCADE`, `GRANT SELECT`: keywords, not statements.
const NOT_AN_OPERATION_AFTER = new Set(['do', 'for', 'key', 'no', 'on', 'share', 'grant', 'revoke', 'then']);

// Words that end a FROM item rather than alias it.
const CLAUSE_WORDS = new Set([
  'where', 'join', 'inner', 'left', 'right', 'full', 'cross', 'natural', 'outer', 'on', 'using', 'group', 'order',
  'limit', 'offset', 'having', 'window', 'union', 'except', 'intersect', 'for', 'set', 'values', 'returning',
  'select', 'fetch', 'tablesample', 'when', 'then', 'default', 'straight_join', 'force', 'ignore', 'use',
  'partition', 'overriding', 'into', 'as', 'lateral', 'only', 'with', 'from', 'do', 'and', 'or',
]);

// A first word outside this list is not shown: text that is not SQL may start with anything, even a value.
const COMMANDS = new Set([
  'abort', 'alter', 'analyze', 'begin', 'call', 'checkpoint', 'close', 'cluster', 'comment', 'commit', 'copy',
  'create', 'deallocate', 'declare', 'delete', 'desc', 'describe', 'discard', 'do', 'drop', 'end', 'execute',
  'explain', 'fetch', 'grant', 'import', 'insert', 'listen', 'load', 'lock', 'merge', 'move', 'notify', 'prepare',
  'refresh', 'reindex', 'release', 'replace', 'reset', 'revoke', 'rollback', 'savepoint', 'select', 'set', 'show',
  'start', 'table', 'truncate', 'unlisten', 'update', 'use', 'vacuum', 'values', 'with',
]);

const SKIPPED_BEFORE_NAME = new Set(['only', 'if', 'not', 'exists', 'lateral', 'table']);

function lower(token: SqlToken | undefined): string {
  return token !== undefined && token.type === 'word' ? token.text.toLowerCase() : '';
}

function isName(token: SqlToken | undefined): boolean {
  return token !== undefined && (token.type === 'word' || token.type === 'quoted');
}

function unquote(text: string): string {
  const first = text[0];
  return first === '"' || first === '`' ? text.slice(1, -1) : text;
}

/**
 * The operation, `db.query.summary` and tables of a statement PostgreSQL's parser did not read, from its
 * tokens: good for the common shapes, a best effort for the rest (never a literal value).
 */
export function describeTokens(tokens: readonly SqlToken[]): StatementDescription {
  const builder = new SummaryBuilder();
  const cteNames = new Set<string>();
  // Whether a data operation has started at each parenthesis depth: a FROM outside one is
  // `extract(year FROM ts)` or `substring(x FROM 2)`, not a table.
  const operationAtDepth: boolean[] = [false];
  let depth = 0;
  let operation = '';
  const first = lower(tokens[0]);

  // Reads `schema.table` at `k`; returns the index after it, or `k` when there is no name.
  const readName = (k: number, introducer: string): number => {
    let j = k;
    while (SKIPPED_BEFORE_NAME.has(lower(tokens[j]))) j += 1;
    if (!isName(tokens[j])) return k;
    let name = unquote((tokens[j] as SqlToken).text);
    j += 1;
    while (tokens[j]?.type === 'punct' && tokens[j]?.text === '.' && isName(tokens[j + 1])) {
      name += `.${unquote((tokens[j + 1] as SqlToken).text)}`;
      j += 2;
    }
    // `FROM generate_series(…)` is a function, but `INTO t (a, b)` is a table and its columns.
    if ((introducer === 'from' || introducer === 'join') && tokens[j]?.type === 'punct' && tokens[j]?.text === '(') {
      return j;
    }
    builder.addTable(name, cteNames.has(name));
    return j;
  };

  // After a FROM item: an optional alias, then `,` and the next item.
  const readFromList = (k: number): number => {
    let j = k;
    for (;;) {
      if (lower(tokens[j]) === 'as') j += 1;
      if (isName(tokens[j]) && !CLAUSE_WORDS.has(lower(tokens[j]))) j += 1;
      if (tokens[j]?.type !== 'punct' || tokens[j]?.text !== ',') return j;
      const next = readName(j + 1, 'from');
      if (next === j + 1) return j;
      j = next;
    }
  };

  for (let k = 0; k < tokens.length; k += 1) {
    const token = tokens[k] as SqlToken;
    if (token.type === 'punct') {
      if (token.text === '(') operationAtDepth[++depth] = false;
      else if (token.text === ')' && depth > 0) depth -= 1;
      else if (token.text === ';' && depth === 0) operationAtDepth[0] = false;
      continue;
    }
    if (token.type !== 'word') continue;
    const word = token.text.toLowerCase();
    const previous = lower(tokens[k - 1]);

    if (DATA_OPERATIONS.has(word) && !NOT_AN_OPERATION_AFTER.has(previous)) {
      builder.addOperation(word);
      operationAtDepth[depth] = true;
      if (operation === '' && (depth === 0 || first === 'with')) operation = word.toUpperCase();
      if (word === 'update') k = readName(k + 1, word) - 1;
      continue;
    }
    if (k === 0 && word !== 'with') {
      operation = COMMANDS.has(word) ? word.toUpperCase() : 'UNKNOWN';
      builder.addOperation(operation);
      if (word === 'truncate' || word === 'copy') k = readName(k + 1, word) - 1;
      continue;
    }
    if (first === 'with' && depth === 0 && isName(tokens[k - 1]) && word === 'as' && tokens[k + 1]?.text === '(') {
      cteNames.add(unquote((tokens[k - 1] as SqlToken).text));
      continue;
    }
    if (word === 'from' && operationAtDepth[depth] === true && previous !== 'distinct') {
      k = readFromList(readName(k + 1, word)) - 1;
    } else if (word === 'join') {
      k = readName(k + 1, word) - 1;
    } else if ((word === 'into' && (previous === 'insert' || previous === 'merge')) || word === 'using') {
      k = readName(k + 1, word) - 1;
    } else if (word === 'table' && k > 0) {
      k = readName(k + 1, word) - 1;
    }
  }
  return builder.build(operation === '' ? 'UNKNOWN' : operation);
}
