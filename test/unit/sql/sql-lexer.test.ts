import { renderTokens, tokenizeSql } from '../../../src/sql/sql-lexer';

const POSTGRES = { backslashEscapesInStrings: false, doubleQuotedAreIdentifiers: true };
const UNKNOWN_DIALECT = { backslashEscapesInStrings: false, doubleQuotedAreIdentifiers: false };

function normalize(sql: string, options = POSTGRES): string {
  return renderTokens(tokenizeSql(sql, options)).normalized;
}

function canonical(sql: string, options = POSTGRES): string {
  return renderTokens(tokenizeSql(sql, options)).canonical;
}

describe('the SQL lexer', () => {
  it.each([
    ["WHERE a = 'it''s'", 'WHERE a = $1'],
    ["WHERE a = E'it\\'s' AND b = 1", 'WHERE a = $1 AND b = $2'],
    ["WHERE a = B'1010' OR a = X'1F' OR a = N'x' OR a = U&'d\\0061t'", 'WHERE a = $1 OR a = $2 OR a = $3 OR a = $4'],
    ['WHERE body = $$secret$$ OR body = $tag$a $$ b$tag$', 'WHERE body = $1 OR body = $2'],
    ['WHERE a = 1.5e3 AND b = .5 AND c = 0x1F AND d = 1_000', 'WHERE a = $1 AND b = $2 AND c = $3 AND d = $4'],
    ['WHERE a = -5 AND b = x - 5', 'WHERE a = $1 AND b = x - $2'],
    ['SELECT t1.c2 FROM t1', 'SELECT t1.c2 FROM t1'],
    ["SELECT '1'::int, $1::text", 'SELECT $2::int, $1::text'],
    ['SELECT a /* one /* nested */ comment */ FROM t -- trailing', 'SELECT a FROM t'],
    ['SELECT a\n\n   FROM\tt;', 'SELECT a FROM t'],
    ["WHERE a = 'unterminated AND b = 2", 'WHERE a = $1'],
    ["WHERE a = 'con'\n  'tinued' AND b = 'x' 'y'", 'WHERE a = $1 AND b = $2 $3'],
  ])('normalizes %s', (sql, expected) => {
    expect(normalize(sql)).toBe(expected);
  });

  it('numbers placeholders after the highest parameter already in the statement', () => {
    expect(normalize("WHERE a = $3 AND b = 'x' AND c = $1")).toBe('WHERE a = $3 AND b = $4 AND c = $1');
  });

  it('writes ? placeholders for a statement that already uses ? parameters', () => {
    expect(normalize("WHERE a = ? AND b = 'x'")).toBe('WHERE a = ? AND b = ?');
  });

  it('keeps identifier-shaped "quoted" names but not string-shaped ones from an unknown dialect', () => {
    expect(normalize('SELECT "userId" FROM "users" WHERE name = "bob@example.com"', UNKNOWN_DIALECT)).toBe(
      'SELECT "userId" FROM "users" WHERE name = $1',
    );
    expect(normalize('SELECT "Order Items" FROM t', POSTGRES)).toBe('SELECT "Order Items" FROM t');
  });

  it('reads backslash escapes when told the dialect uses them', () => {
    const sql = "WHERE a = 'C:\\\\' AND b = 'x'";
    expect(normalize(sql, { ...POSTGRES, backslashEscapesInStrings: true })).toBe('WHERE a = $1 AND b = $2');
  });

  it("takes O\\'Brien as one string even without backslash escapes", () => {
    expect(normalize("WHERE name = 'O\\'Brien' AND b = 1")).toBe('WHERE name = $1 AND b = $2');
  });

  it('collapses IN and ARRAY lists and repeated VALUES rows, in normalized and canonical text', () => {
    expect(normalize('WHERE id IN ($1, $2, $3) AND x = ANY(ARRAY[1, 2])')).toBe(
      'WHERE id IN ($1 /*, ... */) AND x = ANY(ARRAY[$4 /*, ... */])',
    );
    expect(canonical('WHERE id IN (1, 2, 3)')).toBe(canonical('WHERE id IN ($1)'));
    expect(canonical("VALUES (1, 'a'), (2, 'b'), (3, 'c')")).toBe(canonical('VALUES ($1, $2)'));
    expect(normalize("VALUES (1, 'a'), (2, 'b')")).toBe('VALUES ($1, $2) /*, ... */');
  });

  it('keeps VALUES rows of different shapes', () => {
    expect(normalize('VALUES (1, 2), (3, DEFAULT)')).toBe('VALUES ($1, $2), ($3, DEFAULT)');
  });

  it('keeps IN lists that hold more than placeholders', () => {
    expect(normalize('WHERE id IN (1, b, 3)')).toBe('WHERE id IN ($1, b, $2)');
  });

  it('makes canonical text independent of case, spacing and trailing semicolons', () => {
    expect(canonical('select a  from T where b=1;')).toBe(canonical('SELECT a FROM t WHERE b = $1'));
  });
});
