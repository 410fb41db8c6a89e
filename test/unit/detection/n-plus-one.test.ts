import { type DetectionSpan, type SpanTiming, cacheSpanRecord, databaseSpanRecord, httpSpanRecord } from '../../../src/detection/detection-span';
import {
  DEFAULT_N_PLUS_ONE_MIN_REPEATS,
  MAX_FINDINGS_PER_REQUEST,
  NPlusOneDetector,
  detectNPlusOne,
} from '../../../src/detection/n-plus-one';
import { SqlFingerprinter } from '../../../src/sql/fingerprinter';

const fingerprinter = new SqlFingerprinter();
beforeAll(() => fingerprinter.load());

const ATTENDEES_BY_MEETING = 'SELECT * FROM attendees WHERE meeting_id = $1';

let nextSpanId = 0;

/** A database span under `parent`, from `startMs` for `durationMs`, as the span processor would record it. */
function query(sql: string, parent: string | undefined, startMs: number, durationMs = 1, name?: string): DetectionSpan {
  nextSpanId += 1;
  const timing: SpanTiming = { spanId: `span-${nextSpanId}`, parentSpanId: parent, startMs, endMs: startMs + durationMs };
  if (name !== undefined) timing.name = name;
  return databaseSpanRecord(timing, fingerprinter.analyze(sql));
}

/** `count` spans of `sql` under `parent`, one after the other. */
function sequential(sql: string, parent: string, count: number, durationMs = 1, fromMs = 0): DetectionSpan[] {
  return Array.from({ length: count }, (_, i) => query(sql, parent, fromMs + i * durationMs, durationMs));
}

describe('N+1 detection', () => {
  it('flags five identical SELECTs under one parent as N+1, naming the first of them to end', () => {
    const spans = sequential(ATTENDEES_BY_MEETING, 'handler', 5, 2);
    const findings = detectNPlusOne(spans);
    expect(findings).toEqual([
      {
        kind: 'db',
        parentSpanId: 'handler',
        fingerprint: fingerprinter.analyze(ATTENDEES_BY_MEETING).fingerprint,
        query: ATTENDEES_BY_MEETING,
        summary: 'SELECT attendees',
        repeats: 5,
        durationMs: 10,
        summedDurationMs: 10,
        suggestion: expect.stringContaining('attendees.meeting_id = ANY($1)'),
        firstSpanId: spans[0]!.spanId,
      },
    ]);
  });

  it('lists findings by their merged duration: ten concurrent 10 ms lookups (10 ms) after five sequential 5 ms ones (25 ms)', () => {
    const concurrent = Array.from({ length: 10 }, () => query(ATTENDEES_BY_MEETING, 'handler', 0, 10));
    const sequentialUsers = sequential('SELECT * FROM users WHERE id = $1', 'handler', 5, 5, 100);
    const findings = detectNPlusOne([...concurrent, ...sequentialUsers]);
    expect(findings.map((finding) => [finding.summary, finding.durationMs, finding.summedDurationMs])).toEqual([
      ['SELECT users', 25, 25],
      ['SELECT attendees', 10, 100],
    ]);
  });

  it(`uses ${DEFAULT_N_PLUS_ONE_MIN_REPEATS} repeats as the default threshold: four are not an N+1`, () => {
    expect(detectNPlusOne(sequential(ATTENDEES_BY_MEETING, 'handler', 4))).toEqual([]);
  });

  it('counts statements differing only in their literals as one shape', () => {
    const spans = [1, 2, 3, 4, 5].map((id) => query(`SELECT * FROM attendees WHERE meeting_id = ${id}`, 'handler', id));
    const [finding] = detectNPlusOne(spans);
    expect(finding?.repeats).toBe(5);
    expect(finding?.query).toBe(ATTENDEES_BY_MEETING);
  });

  it('reports twenty repeats split across two parents as two findings', () => {
    const spans = [...sequential(ATTENDEES_BY_MEETING, 'first', 10), ...sequential(ATTENDEES_BY_MEETING, 'second', 10)];
    const findings = detectNPlusOne(spans);
    expect(findings.map((f) => [f.parentSpanId, f.repeats]).sort()).toEqual([
      ['first', 10],
      ['second', 10],
    ]);
  });

  it('does not add up repeats of different parents: three parents with three each are no N+1', () => {
    const spans = ['a', 'b', 'c'].flatMap((parent) => sequential(ATTENDEES_BY_MEETING, parent, 3));
    expect(detectNPlusOne(spans)).toEqual([]);
  });

  it('does not mix different statements under one parent', () => {
    const spans = [
      ...sequential(ATTENDEES_BY_MEETING, 'handler', 3),
      ...sequential('SELECT * FROM meetings WHERE id = $1', 'handler', 3),
    ];
    expect(detectNPlusOne(spans)).toEqual([]);
  });

  it('groups repeats without a parent together', () => {
    const findings = detectNPlusOne(sequential(ATTENDEES_BY_MEETING, undefined as unknown as string, 5));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.parentSpanId).toBeUndefined();
  });

  it('flags concurrent repeats (Promise.all) and counts their overlapping time once', () => {
    const spans = Array.from({ length: 8 }, (_, i) => query(ATTENDEES_BY_MEETING, 'handler', i, 10));
    const [finding] = detectNPlusOne(spans);
    expect(finding?.repeats).toBe(8);
    expect(finding?.durationMs).toBe(17);
    expect(finding?.summedDurationMs).toBe(80);
  });

  it('merges the same whatever order the spans are recorded in', () => {
    const spans = [30, 0, 12, 5, 40, 3].map((start) => query(ATTENDEES_BY_MEETING, 'handler', start, 6));
    const [finding] = detectNPlusOne(spans);
    // [0,11] ∪ [12,18] ∪ [30,36] ∪ [40,46]
    expect(finding?.durationMs).toBe(11 + 6 + 6 + 6);
  });

  it('respects minDurationMs on the merged duration', () => {
    const concurrent = Array.from({ length: 5 }, () => query(ATTENDEES_BY_MEETING, 'handler', 0, 3));
    expect(detectNPlusOne(concurrent, { minDurationMs: 4 })).toEqual([]);
    expect(detectNPlusOne(concurrent, { minDurationMs: 3 })).toHaveLength(1);
  });

  it('respects minRepeats', () => {
    const spans = sequential(ATTENDEES_BY_MEETING, 'handler', 3);
    expect(detectNPlusOne(spans, { minRepeats: 3 })).toHaveLength(1);
    expect(detectNPlusOne(spans, { minRepeats: 4 })).toEqual([]);
  });

  it('never counts BEGIN and COMMIT around different statements', () => {
    const spans = Array.from({ length: 6 }, (_, i) => [
      query('BEGIN', 'handler', i * 10),
      query(`UPDATE table_${i} SET done = true WHERE id = $1`, 'handler', i * 10 + 1),
      query("SET LOCAL statement_timeout = '1s'", 'handler', i * 10 + 2),
      query('COMMIT', 'handler', i * 10 + 3),
    ]).flat();
    expect(detectNPlusOne(spans)).toEqual([]);
  });

  it('never counts cursor reads: FETCH 100 FROM cur ten times is no N+1', () => {
    expect(detectNPlusOne(sequential('FETCH 100 FROM cur', 'handler', 10))).toEqual([]);
  });

  it('never counts connection spans, even when the caller passes them', () => {
    const spans = Array.from({ length: 10 }, (_, i) => query(ATTENDEES_BY_MEETING, 'handler', i, 1, 'pg-pool.connect'));
    expect(detectNPlusOne(spans)).toEqual([]);
  });

  it('reads the category from the text of records that do not carry one', () => {
    const spans = sequential('COMMIT', 'handler', 6).map(({ category: _ignored, ...span }) => span);
    expect(detectNPlusOne(spans)).toEqual([]);
  });

  it('ignores shapes listed by fingerprint', () => {
    const spans = sequential(ATTENDEES_BY_MEETING, 'handler', 6);
    const fingerprint = fingerprinter.analyze(ATTENDEES_BY_MEETING).fingerprint;
    expect(detectNPlusOne(spans, { ignore: [fingerprint] })).toEqual([]);
    expect(detectNPlusOne(spans, { ignore: ['0000000000000000'] })).toHaveLength(1);
  });

  it('ignores shapes matching a /regex/ on the normalized query', () => {
    const spans = [...sequential(ATTENDEES_BY_MEETING, 'handler', 6), ...sequential('SELECT * FROM rooms WHERE id = $1', 'handler', 6)];
    const findings = detectNPlusOne(spans, { ignore: ['/from\\s+attendees/i'] });
    expect(findings.map((f) => f.summary)).toEqual(['SELECT rooms']);
  });

  it('sets aside an ignore entry that is not a valid regex, and reports it', () => {
    const detector = new NPlusOneDetector({ ignore: ['/(unclosed/', ' '] });
    expect(detector.invalidIgnorePatterns).toEqual(['/(unclosed/']);
    expect(detector.detect(sequential(ATTENDEES_BY_MEETING, 'handler', 5))).toHaveLength(1);
  });

  it('flags repeated cache lookups of one key pattern and suggests getMany', () => {
    const spans = Array.from({ length: 5 }, (_, i) =>
      cacheSpanRecord({ spanId: `c${i}`, parentSpanId: 'handler', startMs: i, endMs: i + 1 }, 'get', 'user:{id}'),
    );
    expect(detectNPlusOne(spans)).toEqual([
      expect.objectContaining({
        kind: 'cache',
        fingerprint: 'keyv.get user:{id}',
        query: 'keyv.get user:{id}',
        repeats: 5,
        suggestion: expect.stringContaining('keyv.getMany('),
      }),
    ]);
  });

  it('keeps cache lookups and queries of one parent apart', () => {
    const cache = Array.from({ length: 3 }, (_, i) =>
      cacheSpanRecord({ spanId: `c${i}`, parentSpanId: 'handler', startMs: i, endMs: i + 1 }, 'get', 'user:{id}'),
    );
    const forged = cache.map((span) => ({ ...span, kind: 'db' as const }));
    expect(detectNPlusOne([...cache, ...forged])).toEqual([]);
  });

  it('flags an outgoing HTTP call repeated to one method and templated URL, with kind http and a batch-endpoint suggestion', () => {
    const call = (i: number, method: string, target: string) =>
      httpSpanRecord({ spanId: `h${method}${i}`, parentSpanId: 'handler', startMs: i, endMs: i + 1 }, method, target);
    const spans = [
      ...Array.from({ length: 5 }, (_, i) => call(i, 'GET', 'api.example.com/users/{id}')),
      // The same URL with another method, and another URL, are other shapes.
      ...Array.from({ length: 4 }, (_, i) => call(i, 'DELETE', 'api.example.com/users/{id}')),
      call(9, 'GET', 'api.example.com/rooms/{id}'),
    ];
    expect(detectNPlusOne(spans)).toEqual([
      expect.objectContaining({
        kind: 'http',
        fingerprint: 'GET api.example.com/users/{id}',
        query: 'GET api.example.com/users/{id}',
        repeats: 5,
        suggestion: expect.stringMatching(/^Make one request for all items instead of one `GET api\.example\.com\/users\/\{id\}` per item: a batch endpoint/),
      }),
    ]);
  });

  it('says which shapes SPANLENS_N_PLUS_ONE_IGNORE names, by fingerprint or by pattern', () => {
    const ignoring = new NPlusOneDetector({ ignore: ['keyv.get user:{id}', '/INTO audit_log/'] });
    expect(ignoring.ignores('keyv.get user:{id}', 'keyv.get user:{id}')).toBe(true);
    expect(ignoring.ignores('abc', 'INSERT INTO audit_log VALUES ($1)')).toBe(true);
    expect(ignoring.ignores('abc', ATTENDEES_BY_MEETING)).toBe(false);
  });

  it('lists the findings longest first', () => {
    const spans = [
      ...sequential('SELECT * FROM rooms WHERE id = $1', 'handler', 5, 1),
      ...sequential(ATTENDEES_BY_MEETING, 'handler', 5, 4),
    ];
    expect(detectNPlusOne(spans).map((f) => f.summary)).toEqual(['SELECT attendees', 'SELECT rooms']);
  });

  it(`reports at most ${MAX_FINDINGS_PER_REQUEST} findings per request`, () => {
    // Letters, not numbers: the parser's fingerprint takes `t_10` and `t_11` for partitions of one table.
    const tableName = (i: number) => `table_${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`;
    const spans = Array.from({ length: MAX_FINDINGS_PER_REQUEST + 10 }, (_, i) =>
      sequential(`SELECT * FROM ${tableName(i)} WHERE id = $1`, 'handler', 5),
    ).flat();
    expect(detectNPlusOne(spans)).toHaveLength(MAX_FINDINGS_PER_REQUEST);
  });

  it('skips records it cannot read rather than throwing', () => {
    const good = sequential(ATTENDEES_BY_MEETING, 'handler', 5);
    const bad = [
      { ...good[0], startMs: Number.NaN },
      { ...good[0], endMs: Number.POSITIVE_INFINITY },
      { ...good[0], fingerprint: '' },
      { ...good[0], kind: 'queue' },
      null,
    ] as unknown as DetectionSpan[];
    expect(detectNPlusOne([...bad, ...good])).toHaveLength(1);
    expect(detectNPlusOne(undefined as unknown as DetectionSpan[])).toEqual([]);
  });

  it('counts a span that ends before it starts as taking no time', () => {
    const spans = sequential(ATTENDEES_BY_MEETING, 'handler', 5).map((span) => ({ ...span, endMs: span.startMs - 5 }));
    const [finding] = detectNPlusOne(spans);
    expect(finding?.durationMs).toBe(0);
    expect(finding?.summedDurationMs).toBe(0);
  });

  it('falls back to sane options when given nonsense', () => {
    expect(new NPlusOneDetector({ minRepeats: 1 }).minRepeats).toBe(2);
    expect(new NPlusOneDetector({ minRepeats: Number.NaN }).minRepeats).toBe(DEFAULT_N_PLUS_ONE_MIN_REPEATS);
    expect(new NPlusOneDetector({ minDurationMs: -1 }).minDurationMs).toBe(0);
  });
});
