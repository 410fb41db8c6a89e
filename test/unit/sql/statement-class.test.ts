import { isCursorFetch, isTransactionControl, leadingKeyword } from '../../../src/sql/statement-class';

describe('isTransactionControl', () => {
  it.each([
    'BEGIN',
    'begin isolation level serializable',
    'START TRANSACTION',
    'COMMIT',
    'END',
    'ROLLBACK TO SAVEPOINT sp',
    'ABORT',
    "SET search_path = 'app'",
    'RESET ALL',
    'SAVEPOINT sp',
    'RELEASE SAVEPOINT sp',
    '/* orm */ -- note\n  COMMIT',
  ])('recognizes %p', (sql) => {
    expect(isTransactionControl(sql)).toBe(true);
  });

  it.each(['SELECT 1', 'SETTINGS', 'UPDATE t SET a = 1', 'INSERT INTO begin_log VALUES (1)', 'ENDPOINT', ''])(
    'does not take %p for transaction control',
    (sql) => {
      expect(isTransactionControl(sql)).toBe(false);
    },
  );
});

describe('isCursorFetch', () => {
  it.each(['FETCH 100 FROM cur', 'fetch next in c', 'MOVE FORWARD 10 IN cur', '-- page\nFETCH ALL FROM cur'])(
    'recognizes %p',
    (sql) => {
      expect(isCursorFetch(sql)).toBe(true);
    },
  );

  it('does not take FETCH FIRST of a SELECT for a cursor read', () => {
    expect(isCursorFetch('SELECT * FROM t FETCH FIRST 10 ROWS ONLY')).toBe(false);
  });
});

describe('leadingKeyword', () => {
  it('skips comments and parentheses', () => {
    expect(leadingKeyword('/* a */ (select 1) union (select 2)')).toBe('SELECT');
    expect(leadingKeyword('BEGIN; COMMIT', 7)).toBe('COMMIT');
    expect(leadingKeyword('  ')).toBe('');
  });
});
