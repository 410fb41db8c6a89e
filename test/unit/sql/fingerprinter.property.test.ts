import fc from 'fast-check';
import { fingerprintSync } from 'libpg-query';
import { SqlFingerprinter } from '../../../src/sql/fingerprinter';

const fingerprinter = new SqlFingerprinter();
const fallback = new SqlFingerprinter();
beforeAll(() => fingerprinter.load());

/** A literal value that is recognizably private: a marker no SQL keyword or identifier contains. */
const secretText = fc.stringMatching(/^[a-z]{3,10}$/).map((s) => `zq${s}@example.com`);
const secretNumber = fc.integer({ min: 100_000, max: 999_999_999 });
const whitespace = fc.constantFrom(' ', '  ', '\n', '\t', ' /* note */ ', ' -- note\n');

describe('fingerprinting, for any input', () => {
  it('never throws and always returns a fingerprint, text and bounded summary', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (sql) => {
        for (const subject of [fingerprinter, fallback]) {
          const analysis = subject.analyze(sql);
          expect(typeof analysis.fingerprint).toBe('string');
          expect(analysis.fingerprint.length).toBeGreaterThan(0);
          expect(typeof analysis.normalized).toBe('string');
          expect(analysis.summary.length).toBeLessThanOrEqual(120);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on SQL-like token soup, quotes and comments left open', () => {
    const piece = fc.constantFrom(
      'SELECT', 'FROM', 't', 'IN', 'VALUES', 'WITH', 'x', 'AS', '(', ')', '[', ']', ',', ';', '.', '=', '-', '1', '.5',
      '$1', '?', "'", '"', '`', '$$', '$a$', 'E', "E'", 'U&', '\\', '--', '/*', '*/', ' ', '\n', 'ARRAY', 'BEGIN',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
        const sql = pieces.join('');
        expect(() => fingerprinter.analyze(sql)).not.toThrow();
        expect(() => fallback.analyze(sql)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it('never writes a literal string or number into the normalized text, summary or suggestion', () => {
    fc.assert(
      fc.property(secretText, secretNumber, secretText, (email, number, name) => {
        const sql =
          `SELECT id FROM users WHERE email = '${email}' AND id > ${number} AND name IN ('${name}', 'x')`;
        for (const subject of [fingerprinter, fallback]) {
          const output = JSON.stringify(subject.analyze(sql));
          expect(output).not.toContain(email);
          expect(output).not.toContain(String(number));
          expect(output).not.toContain(name);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('gives one fingerprint whatever the literals, IN-list length and whitespace', () => {
    fc.assert(
      fc.property(
        secretNumber,
        fc.array(secretNumber, { minLength: 1, maxLength: 30 }),
        whitespace,
        (id, list, space) => {
          const reference = `SELECT * FROM attendees WHERE meeting_id = $1 AND user_id IN ($2, $3)`;
          const variant = `SELECT *${space}FROM attendees WHERE meeting_id = ${id}${space}AND user_id IN (${list.join(', ')})`;
          for (const subject of [fingerprinter, fallback]) {
            expect(subject.analyze(variant).fingerprint).toBe(subject.analyze(reference).fingerprint);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives literal variants of a shape it has parsed the fingerprint the parser itself would give', () => {
    const shapes = [
      (a: string, b: string) => `SELECT * FROM attendees WHERE meeting_id = ${a} AND role = ${b}`,
      (a: string, b: string) => `select id from USERS where email in (${a}, ${b}) limit 10`,
      (a: string, b: string) => `INSERT INTO audit (actor, note) VALUES (${a}, ${b}), (${b}, ${a})`,
      (a: string, b: string) => `UPDATE meetings SET title = ${b} WHERE id = -${a}`,
    ];
    const literal = fc.oneof(
      fc.integer({ min: 0, max: 1e9 }).map(String),
      fc.double({ min: 0, max: 1e6, noNaN: true }).map((n) => n.toFixed(3)),
      fc.string({ maxLength: 12 }).map((text) => `'${text.replaceAll("'", "''")}'`),
      fc.integer({ min: 1, max: 9 }).map((n) => `$${n}`),
    );
    fc.assert(
      fc.property(fc.constantFrom(...shapes), literal, literal, (shape, a, b) => {
        const sql = shape(a, b);
        expect(fingerprinter.analyze(sql).fingerprint).toBe(fingerprintSync(sql));
      }),
      { numRuns: 500 },
    );
  });
});

describe('the fallback for statements the parser rejects or never sees', () => {
  /** Text no code fragment below contains: if it shows in the output, a literal survived. */
  const marker = fc.stringMatching(/^[a-z]{4,8}$/).map((s) => `zq${s}`);
  const contentChar = fc.constantFrom('a', 'b', ' ', "'", '\\', '"', '-', '/', '*', '$', '@', '.', ';', '\n', '(', 'E', '1');
  const content = fc
    .tuple(fc.array(contentChar, { maxLength: 6 }), marker, fc.array(contentChar, { maxLength: 6 }))
    .map(([before, secret, after]) => ({ text: before.join('') + secret + after.join(''), secret }));

  /** A literal written the way one dialect or another would escape it. */
  const literal = fc.oneof(
    // standard SQL: quotes doubled, backslashes as they are ('C:\')
    content.map(({ text, secret }) => ({ sql: `'${text.replaceAll("'", "''")}'`, secret })),
    // MySQL, or PostgreSQL with standard_conforming_strings off: backslash escapes
    content.map(({ text, secret }) => ({ sql: `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`, secret })),
    // PostgreSQL escape strings
    content.map(({ text, secret }) => ({ sql: `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`, secret })),
    // dollar quoting
    content
      .filter(({ text }) => !text.includes('$'))
      .map(({ text, secret }) => ({ sql: `$body$${text}$body$`, secret })),
    // MySQL double-quoted strings (one that reads like a name would be taken for an identifier); in a
    // statement PostgreSQL accepts, they are quoted identifiers
    content.map(({ text, secret }) => ({
      sql: `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')} "`,
      secret,
      identifierToPostgres: true,
    })),
    // numbers
    fc.integer({ min: 10_000_000, max: 99_999_999 }).map((n) => ({ sql: `${n}`, secret: `${n}` })),
  );
  const code = fc.constantFrom('SELECT id FROM t WHERE', 'a =', 'AND b <>', ', c IN (', ')', 'OR', 'LIMT', 'LIKE', '||', ' -- note\n', '/* note */', ';');

  const separator = fc.constantFrom(' ', '\n', ' -- note\n ');
  const statement = fc.array(
    fc.tuple(fc.oneof(code.map((sql) => ({ sql, secret: undefined })), literal), separator).map(([piece, after]) => ({
      ...piece,
      sql: piece.sql + after,
    })),
    { minLength: 1, maxLength: 12 },
  );

  it('writes none of the literals of any statement into the normalized text, summary or suggestion', async () => {
    const parsing = new SqlFingerprinter();
    await parsing.load();
    fc.assert(
      fc.property(statement, (pieces) => {
        const sql = `SELECT ${pieces.map((piece) => piece.sql).join('')}`;
        for (const subject of [parsing, new SqlFingerprinter()]) {
          const analysis = subject.analyze(sql);
          const output = JSON.stringify([analysis.normalized, analysis.summary, analysis.suggestion, analysis.tables]);
          const identifiers = analysis.parsed ? pieces.filter((piece) => 'identifierToPostgres' in piece).map((piece) => piece.secret) : [];
          for (const { secret } of pieces) {
            if (secret !== undefined && !identifiers.includes(secret)) expect(output).not.toContain(secret);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
