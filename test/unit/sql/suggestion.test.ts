import { SqlFingerprinter } from '../../../src/sql/fingerprinter';
import { genericBatchingSuggestion, suggestCacheBatching } from '../../../src/sql/suggestion';

describe('batching suggestions from the parse tree', () => {
  const fingerprinter = new SqlFingerprinter();
  beforeAll(() => fingerprinter.load());

  const suggest = (sql: string): string => fingerprinter.analyze(sql).suggestion;

  it('turns a lookup by one column into = ANY($1) on that table and column, or a JOIN', () => {
    expect(suggest('SELECT id, name FROM attendees WHERE meeting_id = $1')).toBe(
      'Batch the repeated lookups into one query: `SELECT ... FROM attendees WHERE attendees.meeting_id = ANY($1)` ' +
        '(one array parameter), or JOIN attendees into the parent query.',
    );
  });

  it('resolves the alias of the column to its table', () => {
    const suggestion = suggest(
      'SELECT a.* FROM attendees a JOIN users u ON u.id = a.user_id WHERE u.email = $1 AND a.deleted_at IS NULL',
    );
    expect(suggestion).toContain('`SELECT ... FROM users WHERE users.email = ANY($1) AND ...`');
    expect(suggestion).toContain('JOIN users into the parent query');
  });

  it('recognizes the lookup with an inlined literal or a cast parameter, written either way round', () => {
    expect(suggest('SELECT * FROM attendees WHERE 42 = meeting_id')).toContain('attendees.meeting_id = ANY($1)');
    expect(suggest('SELECT * FROM "attendees" WHERE "attendees"."meeting_id" = $1::int LIMIT 1')).toContain(
      'attendees.meeting_id = ANY($1)',
    );
  });

  it('turns a single-row INSERT into one INSERT … SELECT FROM unnest with its columns', () => {
    expect(suggest('INSERT INTO attendees (meeting_id, name) VALUES ($1, $2)')).toBe(
      'Insert the rows with one statement: `INSERT INTO attendees (meeting_id, name) SELECT * FROM unnest($1::type[], $2::type[])` ' +
        '(one array parameter per column), or one multi-row VALUES list.',
    );
  });

  it('turns a DELETE by one column into = ANY($1)', () => {
    expect(suggest('DELETE FROM attendees WHERE id = $1')).toContain('`DELETE FROM attendees WHERE attendees.id = ANY($1)`');
  });

  it('turns an UPDATE by one column into UPDATE … FROM unnest', () => {
    expect(suggest('UPDATE meetings SET title = $1 WHERE id = $2')).toContain(
      '`UPDATE meetings SET title = v.title FROM unnest($1::type[], $2::type[]) AS v(id, title) WHERE meetings.id = v.id`',
    );
  });

  it('falls back to a hint naming the table for other shapes', () => {
    const suggestion = suggest('SELECT count(*) FROM meetings WHERE starts_at > now()');
    expect(suggestion).toContain('`SELECT meetings`');
    expect(suggestion).toContain('JOIN meetings into the parent query');
  });

  it('gives the generic hint when the parser did not read the statement', () => {
    const fallback = new SqlFingerprinter();
    expect(fallback.analyze('SELECT * FROM attendees WHERE meeting_id = $1').suggestion).toBe(
      genericBatchingSuggestion('SELECT', ['attendees']),
    );
  });
});

describe('genericBatchingSuggestion', () => {
  it('names the table, for reads and for writes', () => {
    expect(genericBatchingSuggestion('SELECT', ['meetings'])).toContain('`SELECT meetings`');
    expect(genericBatchingSuggestion('INSERT', ['audit_log'])).toContain('`INSERT audit_log`');
    expect(genericBatchingSuggestion('INSERT', ['audit_log'])).toContain('unnest');
  });

  it('still says something without a table', () => {
    expect(genericBatchingSuggestion('CALL', [])).toMatch(/once for all items/);
  });
});

describe('suggestCacheBatching', () => {
  it('suggests getMany for repeated gets of one key pattern', () => {
    expect(suggestCacheBatching('get', 'user:{id}')).toBe(
      'Make one round trip: replace the repeated `keyv.get` calls for `user:{id}` with one `keyv.getMany(keys)`.',
    );
  });

  it.each([
    ['set', 'setMany'],
    ['delete', 'deleteMany'],
    ['has', 'hasMany'],
  ])('suggests the batch variant of %s', (operation, many) => {
    expect(suggestCacheBatching(operation, 'session:{id}')).toContain(`keyv.${many}(`);
  });
});
