/**
 * What a statement is for, as far as N+1 detection cares: most statements are queries; transaction
 * control and cursor reads repeat legitimately and never make an N+1.
 */
export type StatementCategory = 'query' | 'transaction-control' | 'cursor-fetch';

// Index just past leading whitespace and comments, from `offset`.
function skipSpaceAndComments(sql: string, offset: number): number {
  let i = offset;
  const length = sql.length;
  while (i < length) {
    const code = sql.charCodeAt(i);
    if (code === 32 || (code >= 9 && code <= 13) || code === 40 /* ( */) {
      i += 1;
    } else if (code === 45 && sql.charCodeAt(i + 1) === 45) {
      const end = sql.indexOf('\n', i + 2);
      i = end === -1 ? length : end + 1;
    } else if (code === 47 && sql.charCodeAt(i + 1) === 42) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? length : end + 2;
    } else {
      break;
    }
  }
  return i;
}

const LEADING_WORD = /[A-Za-z_]+/y;

/** The first keyword of the statement that starts at `offset`, upper-cased (`''` when there is none). */
export function leadingKeyword(sql: string, offset = 0): string {
  LEADING_WORD.lastIndex = skipSpaceAndComments(sql, offset);
  return LEADING_WORD.exec(sql)?.[0].toUpperCase() ?? '';
}

const TRANSACTION_CONTROL = /(?:BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SET|RESET|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION)\b/iy;
const CURSOR_FETCH = /(?:FETCH|MOVE)\b/iy;

/** BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SET, RESET, SAVEPOINT, RELEASE (leading comments allowed). */
export function isTransactionControl(sql: string): boolean {
  TRANSACTION_CONTROL.lastIndex = skipSpaceAndComments(sql, 0);
  return TRANSACTION_CONTROL.test(sql);
}

/** `FETCH 100 FROM cur` or `MOVE …`: reading a cursor in batches is a legitimate repeat. */
export function isCursorFetch(sql: string): boolean {
  CURSOR_FETCH.lastIndex = skipSpaceAndComments(sql, 0);
  return CURSOR_FETCH.test(sql);
}

/** The category of a statement from its text alone, for when PostgreSQL's parser did not read it. */
export function categorizeStatementText(sql: string): StatementCategory {
  if (isTransactionControl(sql)) return 'transaction-control';
  if (isCursorFetch(sql)) return 'cursor-fetch';
  return 'query';
}
