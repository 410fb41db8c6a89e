import {
  MAX_CACHED_SHAPES,
  MAX_EARLY_SHAPES,
  MAX_CACHED_STATEMENTS,
  MAX_NORMALIZED_QUERY_LENGTH,
  MAX_PARSED_STATEMENT_LENGTH,
  SqlFingerprinter,
} from '../../../src/sql/fingerprinter';
import { MAX_QUERY_SUMMARY_LENGTH } from '../../../src/sql/query-summary';

/** Statements that differ only in what must not change a fingerprint. */
const SAME_SHAPE = [
  'SELECT * FROM attendees WHERE meeting_id = 42',
  'SELECT * FROM attendees WHERE meeting_id = $1',
  "SELECT * FROM attendees WHERE meeting_id = '42'",
  'select  *\n  from attendees\twhere meeting_id = 7 -- from the meetings page',
  '/* controller=meetings */ SELECT * FROM attendees WHERE meeting_id = 7;',
];

const SAME_IN_LIST = [
  'SELECT * FROM users WHERE id IN (1)',
  'SELECT * FROM users WHERE id IN (1, 2, 3)',
  'SELECT * FROM users WHERE id IN ($1, $2, $3, $4, $5, $6, $7, $8)',
  "SELECT * FROM users WHERE id IN ('a', 'b')",
];

const PRIVATE_QUERY =
  "SELECT u.id FROM users u WHERE u.email = 'alice.smith@example.com' AND u.age > 4217 " +
  "AND u.nickname = 'Sunflower Pony' AND u.note = E'it\\'s secret' AND u.token = $tok$hunter2$tok$ " +
  "/* requested by carol@example.org */ -- session 98765";
const PRIVATE_VALUES = ['alice.smith@example.com', '4217', 'Sunflower Pony', 'secret', 'hunter2', 'carol@example.org', '98765'];

function describeFingerprinting(mode: 'with the parser' | 'with the fallback only', parsed: boolean): void {
  describe(mode, () => {
    let fingerprinter: SqlFingerprinter;
    beforeAll(async () => {
      fingerprinter = new SqlFingerprinter();
      if (parsed) await expect(fingerprinter.load()).resolves.toBe(true);
    });

    it(`reports whether the parser read the statement (${parsed})`, () => {
      expect(fingerprinter.analyze('SELECT 1').parsed).toBe(parsed);
    });

    it('gives one fingerprint whatever the literals, parameters, comments and whitespace', () => {
      const fingerprints = new Set(SAME_SHAPE.map((sql) => fingerprinter.analyze(sql).fingerprint));
      expect(fingerprints.size).toBe(1);
    });

    it('gives one fingerprint to IN-lists of any length', () => {
      const fingerprints = new Set(SAME_IN_LIST.map((sql) => fingerprinter.analyze(sql).fingerprint));
      expect(fingerprints.size).toBe(1);
    });

    it('gives different fingerprints to different shapes', () => {
      const a = fingerprinter.analyze('SELECT * FROM attendees WHERE meeting_id = $1').fingerprint;
      const b = fingerprinter.analyze('SELECT * FROM attendees WHERE user_id = $1').fingerprint;
      const c = fingerprinter.analyze('SELECT * FROM meetings WHERE id = $1').fingerprint;
      expect(new Set([a, b, c]).size).toBe(3);
    });

    it('writes no email, number or quoted string of the statement into its normalized text or summary', () => {
      const analysis = fingerprinter.analyze(PRIVATE_QUERY);
      const output = JSON.stringify(analysis);
      for (const value of PRIVATE_VALUES) expect(output).not.toContain(value);
      expect(analysis.normalized).toMatch(/u\.email = \$\d+ AND u\.age > \$\d+/);
    });

    it('normalizes literals to placeholders and drops comments', () => {
      expect(fingerprinter.analyze("SELECT * FROM t WHERE a = 'x' AND b = $1 -- note").normalized).toBe(
        'SELECT * FROM t WHERE a = $2 AND b = $1',
      );
    });

    it('shows an IN-list by its first element', () => {
      expect(fingerprinter.analyze('SELECT * FROM users WHERE id IN (1, 2, 3)').normalized).toBe(
        'SELECT * FROM users WHERE id IN ($1 /*, ... */)',
      );
    });

    it.each([
      ['SELECT * FROM meetings WHERE id = $1', 'SELECT', 'SELECT meetings', ['meetings']],
      ['INSERT INTO attendees (meeting_id, name) VALUES ($1, $2)', 'INSERT', 'INSERT attendees', ['attendees']],
      [
        'SELECT u.name, m.title FROM users u JOIN meetings m ON m.owner_id = u.id',
        'SELECT',
        'SELECT users meetings',
        ['users', 'meetings'],
      ],
      [
        'INSERT INTO shipping_details (order_id) SELECT id FROM orders WHERE id = $1',
        'INSERT',
        'INSERT shipping_details SELECT orders',
        ['shipping_details', 'orders'],
      ],
      ['UPDATE meetings SET title = $1 WHERE id = $2', 'UPDATE', 'UPDATE meetings', ['meetings']],
      ['DELETE FROM public.attendees WHERE id = $1', 'DELETE', 'DELETE public.attendees', ['public.attendees']],
      ['BEGIN', 'BEGIN', 'BEGIN', []],
    ])('summarizes %s as %s / %s', (sql, operation, summary, tables) => {
      const analysis = fingerprinter.analyze(sql);
      expect(analysis.operation).toBe(operation);
      expect(analysis.summary).toBe(summary);
      expect(analysis.tables).toEqual(tables);
    });

    it(`bounds the summary to ${MAX_QUERY_SUMMARY_LENGTH} characters, cut between names`, () => {
      const tables = Array.from({ length: 40 }, (_, i) => `table_number_${i}`);
      const analysis = fingerprinter.analyze(`SELECT * FROM ${tables.join(', ')}`);
      expect(analysis.summary.length).toBeLessThanOrEqual(MAX_QUERY_SUMMARY_LENGTH);
      expect(analysis.summary.split(' ').slice(1).every((name) => tables.includes(name))).toBe(true);
    });

    it.each([
      ['BEGIN', 'transaction-control'],
      ['COMMIT', 'transaction-control'],
      ["SET LOCAL statement_timeout = '5s'", 'transaction-control'],
      ['SAVEPOINT sp1', 'transaction-control'],
      ['FETCH 100 FROM cur', 'cursor-fetch'],
      ['SELECT * FROM meetings', 'query'],
    ])('classifies %s as %s', (sql, category) => {
      expect(fingerprinter.analyze(sql).category).toBe(category);
    });

    it('never throws, whatever it is given', () => {
      for (const sql of ['', '   ', 'SELEC * FRM', "SELECT 'unterminated", '$$', '/* open', '\u0000\uffff', 42 as unknown as string]) {
        expect(() => fingerprinter.analyze(sql)).not.toThrow();
      }
    });

    it(`falls back for statements over ${MAX_PARSED_STATEMENT_LENGTH} characters, still without literals`, () => {
      const rows = Array.from({ length: 600 }, (_, i) => `(${i + 1000}, 'guest${i}@example.com')`).join(', ');
      const sql = `INSERT INTO attendees (meeting_id, email) VALUES ${rows}`;
      expect(sql.length).toBeGreaterThan(MAX_PARSED_STATEMENT_LENGTH);
      const analysis = fingerprinter.analyze(sql);
      expect(analysis.parsed).toBe(false);
      expect(analysis.normalized).toBe('INSERT INTO attendees (meeting_id, email) VALUES ($1, $2) /*, ... */');
      expect(analysis.summary).toBe('INSERT attendees');
      expect(analysis.normalized.length).toBeLessThanOrEqual(MAX_NORMALIZED_QUERY_LENGTH);
    });

    it(`cuts normalized text at ${MAX_NORMALIZED_QUERY_LENGTH} characters`, () => {
      const columns = Array.from({ length: 400 }, (_, i) => `column_${i}`).join(', ');
      const analysis = fingerprinter.analyze(`SELECT ${columns} FROM wide`);
      expect(analysis.normalized.length).toBe(MAX_NORMALIZED_QUERY_LENGTH);
      expect(analysis.normalized.endsWith('…')).toBe(true);
    });

    it('hands out the same frozen analysis for a statement it has seen', () => {
      const first = fingerprinter.analyze('SELECT * FROM meetings WHERE id = $1');
      expect(fingerprinter.analyze('SELECT * FROM meetings WHERE id = $1')).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
      expect(Object.isFrozen(first.tables)).toBe(true);
    });
  });
}

describeFingerprinting('with the parser', true);
describeFingerprinting('with the fallback only', false);

describe('SqlFingerprinter', () => {
  it(`caches at most ${MAX_CACHED_STATEMENTS} statements by default`, () => {
    const fingerprinter = new SqlFingerprinter();
    expect(fingerprinter.maxCachedStatements).toBe(MAX_CACHED_STATEMENTS);
    for (let i = 0; i < MAX_CACHED_STATEMENTS + 500; i += 1) fingerprinter.analyze(`SELECT * FROM t WHERE id = ${i}`);
    expect(fingerprinter.cachedStatements).toBe(MAX_CACHED_STATEMENTS);
  });

  it(`keeps at most ${MAX_CACHED_SHAPES} statement shapes by default`, () => {
    const fingerprinter = new SqlFingerprinter();
    expect(fingerprinter.maxCachedShapes).toBe(MAX_CACHED_SHAPES);
    for (let i = 0; i < MAX_CACHED_SHAPES + 500; i += 1) fingerprinter.analyze(`SELECT c FROM t AS alias_${i.toString(36)}`);
    expect(fingerprinter.cachedShapes).toBe(MAX_CACHED_SHAPES);
  });

  it('parses a statement with inlined literals once per shape, not once per value', async () => {
    const fingerprinter = new SqlFingerprinter();
    await fingerprinter.load();
    const internals = fingerprinter as unknown as { parser: { parseSync: (sql: string) => unknown } };
    const parseSync = internals.parser.parseSync;
    const parsedTexts: string[] = [];
    internals.parser.parseSync = (sql) => {
      parsedTexts.push(sql);
      return parseSync(sql);
    };
    const analyses = [7, 8, 9, 10].map((id) => fingerprinter.analyze(`SELECT * FROM rooms WHERE id = ${id}`));
    expect(parsedTexts).toEqual(['SELECT * FROM rooms WHERE id = 7']);
    expect(new Set(analyses.map((a) => a.fingerprint)).size).toBe(1);
    expect(analyses.every((a) => a.parsed && a.normalized === 'SELECT * FROM rooms WHERE id = $1')).toBe(true);
    fingerprinter.analyze('SELECT * FROM rooms WHERE name = $1');
    expect(parsedTexts).toHaveLength(2);
  });

  it('remembers a shape the parser rejected, and answers it with the fallback', async () => {
    const fingerprinter = new SqlFingerprinter();
    await fingerprinter.load();
    const first = fingerprinter.analyze('SELECT * FROM `users` WHERE id = 1');
    const second = fingerprinter.analyze('SELECT * FROM `users` WHERE id = 2');
    expect([first.parsed, second.parsed]).toEqual([false, false]);
    expect(second.fingerprint).toBe(first.fingerprint);
  });

  it('does not cache statements too long to parse', () => {
    const fingerprinter = new SqlFingerprinter();
    fingerprinter.analyze(`SELECT ${'1, '.repeat(MAX_PARSED_STATEMENT_LENGTH)}1`);
    expect(fingerprinter.cachedStatements).toBe(0);
  });

  it('loads the parser once, only when asked', async () => {
    const fingerprinter = new SqlFingerprinter();
    expect(fingerprinter.analyze('SELECT * FROM meetings WHERE id = $1').parsed).toBe(false);
    expect(fingerprinter.loadRequested).toBe(false);
    const loads = [fingerprinter.load(), fingerprinter.load()];
    expect(loads[0]).toBe(loads[1]);
    expect(fingerprinter.loadRequested).toBe(true);
    await Promise.all(loads);
    expect(fingerprinter.parserLoaded).toBe(true);
    expect(fingerprinter.analyze('SELECT * FROM users WHERE id = $1').parsed).toBe(true);
  });

  it('starts loading the parser at the first statement when told to', async () => {
    const fingerprinter = new SqlFingerprinter({ loadOnFirstStatement: true });
    expect(fingerprinter.loadRequested).toBe(false);
    expect(fingerprinter.analyze('SELECT 1').parsed).toBe(false);
    expect(fingerprinter.loadRequested).toBe(true);
    await fingerprinter.load();
    expect(fingerprinter.analyze('SELECT 2 + 2').parsed).toBe(true);
  });

  it('keeps the fallback analysis of a statement shape first seen before the parser loaded, with the parser\'s suggestion', async () => {
    const fingerprinter = new SqlFingerprinter();
    const before = fingerprinter.analyze('SELECT * FROM meetings WHERE id = 1');
    await fingerprinter.load();
    const parsersSuggestion = 'Batch the repeated lookups into one query: `SELECT ... FROM meetings WHERE meetings.id = ANY($1)` (one array parameter), or JOIN meetings into the parent query.';
    expect(before.suggestion).not.toBe(parsersSuggestion);
    for (const sql of ['SELECT * FROM meetings WHERE id = 1', 'SELECT * FROM meetings WHERE id = 2']) {
      expect(fingerprinter.analyze(sql)).toEqual({ ...before, suggestion: parsersSuggestion });
    }
    // The same shape written otherwise: its own text, the early shape's fingerprint.
    const otherwise = fingerprinter.analyze('select * from meetings where id = $1');
    expect({ ...otherwise, normalized: before.normalized }).toEqual({ ...before, suggestion: parsersSuggestion });
    expect(fingerprinter.earlyShapeCount).toBe(1);
    // A shape first seen now is the parser's, and differs from what the fallback would have said.
    const later = fingerprinter.analyze('SELECT * FROM users WHERE id = 1');
    expect(later.parsed).toBe(true);
    expect(later.fingerprint).not.toBe(new SqlFingerprinter().analyze('SELECT * FROM users WHERE id = 1').fingerprint);
  });

  it('finds an early shape again after its cached analyses were evicted', async () => {
    const fingerprinter = new SqlFingerprinter({ maxCachedStatements: 2, maxCachedShapes: 2 });
    const before = fingerprinter.analyze('SELECT * FROM meetings WHERE id = 1');
    await fingerprinter.load();
    for (let i = 0; i < 10; i++) fingerprinter.analyze(`SELECT c${i} FROM t`);
    expect(fingerprinter.analyze('SELECT * FROM meetings WHERE id = 3').fingerprint).toBe(before.fingerprint);
  });

  it(`keeps at most ${MAX_EARLY_SHAPES} early shapes; later ones get the parser's analysis`, async () => {
    const fingerprinter = new SqlFingerprinter({ maxEarlyShapes: 2 });
    for (const table of ['a', 'b', 'c']) fingerprinter.analyze(`SELECT * FROM ${table} WHERE id = 1`);
    expect(fingerprinter.earlyShapeCount).toBe(2);
    await fingerprinter.load();
    expect(['a', 'b', 'c'].map((table) => fingerprinter.analyze(`SELECT * FROM ${table} WHERE id = 2`).parsed)).toEqual([false, false, true]);
  });

  it('takes tables that differ only in a numeric suffix of two or more digits for partitions of one table', async () => {
    const fingerprinter = new SqlFingerprinter();
    await fingerprinter.load();
    const january = fingerprinter.analyze('SELECT * FROM events_2024_01 WHERE id = $1');
    expect(fingerprinter.analyze('SELECT * FROM events_2024_02 WHERE id = $1').fingerprint).toBe(january.fingerprint);
    expect(fingerprinter.analyze('SELECT * FROM events_archive WHERE id = $1').fingerprint).not.toBe(january.fingerprint);
  });

  it('falls back for statements PostgreSQL cannot parse, such as MySQL with backslash escapes', async () => {
    const fingerprinter = new SqlFingerprinter();
    await fingerprinter.load();
    const analysis = fingerprinter.analyze("SELECT * FROM `users` WHERE name = 'O\\'Brien' LIMIT 1");
    expect(analysis.parsed).toBe(false);
    // Read as the standard says, the string ends after the backslash and a second one runs to the end:
    // what any reading takes for a literal is hidden, LIMIT 1 included.
    expect(analysis.normalized).toBe('SELECT * FROM `users` WHERE name = $1');
    expect(analysis.normalized).not.toContain('Brien');
    expect(analysis.summary).toBe('SELECT users');
  });

  it('shows no first word of text that is not SQL as its operation', () => {
    const analysis = new SqlFingerprinter().analyze('alice@example.com wants a refund');
    expect(analysis.operation).toBe('UNKNOWN');
    expect(analysis.summary).toBe('UNKNOWN');
  });

  it('gives MySQL ? placeholders and inlined literals one fingerprint in the fallback', () => {
    const fingerprinter = new SqlFingerprinter();
    const a = fingerprinter.analyze('SELECT * FROM `users` WHERE id = ?');
    const b = fingerprinter.analyze('SELECT * FROM `users` WHERE id = 17');
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(b.normalized).toBe('SELECT * FROM `users` WHERE id = $1');
  });

  it('stops calling a parser that trapped, and answers with the fallback', async () => {
    const fingerprinter = new SqlFingerprinter();
    await fingerprinter.load();
    const internals = fingerprinter as unknown as { parser: { parseSync: (sql: string) => unknown } };
    internals.parser.parseSync = () => {
      throw new WebAssembly.RuntimeError('unreachable');
    };
    const analysis = fingerprinter.analyze('SELECT * FROM meetings WHERE id = $1');
    expect(analysis.parsed).toBe(false);
    expect(fingerprinter.parserLoaded).toBe(false);
    expect(fingerprinter.loadError).toBeInstanceOf(WebAssembly.RuntimeError);
  });
});

describe('a statement PostgreSQL rejects', () => {
  let fingerprinter: SqlFingerprinter;
  beforeAll(async () => {
    fingerprinter = new SqlFingerprinter();
    await fingerprinter.load();
  });

  it('keeps no literal, whichever way its strings escape quotes', () => {
    // Read with backslash escapes, 'C:\' would run on to the next quote and leave the e-mail outside any string.
    const analysis = fingerprinter.analyze("SELECT id FROM files WHERE path = 'C:\\' AND email = 'bob@example.com' LIMT 1");
    expect(analysis.parsed).toBe(false);
    expect(analysis.normalized).not.toContain('bob@example.com');
    expect(analysis.normalized).not.toContain('C:');
    // Where the readings disagree, everything any of them takes for a string is hidden.
    expect(analysis.normalized).toBe('SELECT id FROM files WHERE path = $1');
  });

  it('shows no reading of a backslash that would leave a literal outside a string, even where PostgreSQL accepts the statement', () => {
    // PostgreSQL reads 'C:\' then AS path; with backslash escapes the string runs on to the e-mail.
    const analysis = fingerprinter.analyze("SELECT 'C:\\'AS path, 'carol@example.org' AS email");
    expect(analysis.parsed).toBe(true);
    expect(analysis.summary).toBe('SELECT');
    expect(analysis.normalized).toBe('SELECT $1');
  });

  it('reads a string continued on the next line as one, keeping an escape string\'s backslashes', () => {
    const analysis = fingerprinter.analyze("SELECT E'first'\n'\\'dave@example.net' AS note");
    expect(analysis.parsed).toBe(true);
    expect(analysis.normalized).not.toContain('dave');
  });

  it('keeps no literal written with backslash escapes either', () => {
    const analysis = fingerprinter.analyze("SELECT id FROM notes WHERE body = 'it\\' s a secret' LIMT 1");
    expect(analysis.parsed).toBe(false);
    expect(analysis.normalized).not.toContain('secret');
    expect(analysis.normalized).toMatch(/^SELECT id FROM notes WHERE body = \$1/);
  });
});
