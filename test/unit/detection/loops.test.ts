import { type DetectionSpan, databaseSpanRecord, httpSpanRecord } from '../../../src/detection/detection-span';
import { type LoopMember, type LoopSpan, MAX_LOOPS_PER_REQUEST, findLoops } from '../../../src/detection/loops';
import { NPlusOneDetector } from '../../../src/detection/n-plus-one';
import { SqlFingerprinter } from '../../../src/sql/fingerprinter';

const fingerprinter = new SqlFingerprinter();
beforeAll(() => fingerprinter.load());

const MEETING = 'SELECT title FROM meetings WHERE id = $1';
const ATTENDEES = 'SELECT user_id FROM attendees WHERE meeting_id = $1';
const OWNER = 'SELECT email FROM users WHERE id = $1';

let nextSpanId = 0;
function query(sql: string, startMs: number, durationMs = 1, parent = 'handler'): DetectionSpan {
  nextSpanId += 1;
  return databaseSpanRecord({ spanId: `s${nextSpanId}`, parentSpanId: parent, startMs, endMs: startMs + durationMs }, fingerprinter.analyze(sql));
}

/** A loop body run `items` times one item after the other: each statement awaited before the next. */
function sequentialLoop(statements: string[], items: number, fromMs = 0): DetectionSpan[] {
  return Array.from({ length: items }, (_, item) =>
    statements.map((sql, i) => query(sql, fromMs + (item * statements.length + i) * 2, 1)),
  ).flat();
}

const detector = new NPlusOneDetector();
const loopsIn = (spans: DetectionSpan[]) => detector.analyze(spans).loops;
const tablesOf = (spans: DetectionSpan[]) => loopsIn(spans).map((loop) => [loop.iterations, loop.statements.map((statement) => statement.summary)]);

describe('loops (MN+1)', () => {
  it('finds one loop when each of 6 items runs the same 2 statements one after the other', () => {
    expect(tablesOf(sequentialLoop([MEETING, ATTENDEES], 6))).toEqual([[6, ['SELECT meetings', 'SELECT attendees']]]);
  });

  it('keeps the statements in the order one iteration runs them, three of them', () => {
    expect(tablesOf(sequentialLoop([OWNER, MEETING, ATTENDEES], 5))).toEqual([[5, ['SELECT users', 'SELECT meetings', 'SELECT attendees']]]);
  });

  it('keeps each statement a finding of its own, the same objects the loop lists', () => {
    const { findings, loops } = detector.analyze(sequentialLoop([MEETING, ATTENDEES], 6));
    expect(findings).toHaveLength(2);
    expect(new Set(loops[0]!.statements)).toEqual(new Set(findings));
  });

  it('finds the loop when the items run concurrently (Promise.all), each item awaiting its statements in turn', () => {
    // Item k's first statement ends at 10 + k; its second starts right after and ends 5 ms later.
    const first = Array.from({ length: 6 }, (_, k) => query(MEETING, 0, 10 + k));
    const second = Array.from({ length: 6 }, (_, k) => query(ATTENDEES, 10 + k + 0.1, 5));
    expect(tablesOf([...first, ...second])).toEqual([[6, ['SELECT meetings', 'SELECT attendees']]]);
  });

  it('does not make a loop of two N+1s one after the other', () => {
    const spans = [...sequentialLoop([MEETING], 6), ...sequentialLoop([ATTENDEES], 6, 100)];
    expect(detector.analyze(spans).findings).toHaveLength(2);
    expect(loopsIn(spans)).toEqual([]);
  });

  it('does not make a loop of two N+1s running side by side', () => {
    // Two independent loops awaited together: each statement of the second starts before its partner ended.
    const spans = Array.from({ length: 6 }, (_, k) => [query(MEETING, k * 3, 2), query(ATTENDEES, k * 3 + 0.5, 2)]).flat();
    expect(loopsIn(spans)).toEqual([]);
  });

  it('does not make a loop of statements repeated a different number of times', () => {
    const spans = Array.from({ length: 10 }, (_, k) => [query(MEETING, k * 4, 1), ...(k % 2 === 0 ? [query(ATTENDEES, k * 4 + 2, 1)] : [])]).flat();
    expect(detector.analyze(spans).findings).toHaveLength(2);
    expect(loopsIn(spans)).toEqual([]);
  });

  it('does not make a loop of statements under different parents', () => {
    const spans = Array.from({ length: 6 }, (_, k) => [query(MEETING, k * 4, 1, 'a'), query(ATTENDEES, k * 4 + 2, 1, 'b')]).flat();
    expect(loopsIn(spans)).toEqual([]);
  });

  it('finds a loop of outgoing HTTP calls and queries, and suggests one batch for each', () => {
    const spans = Array.from({ length: 5 }, (_, k) => [
      query(MEETING, k * 4, 1),
      httpSpanRecord({ spanId: `h${k}`, parentSpanId: 'handler', startMs: k * 4 + 2, endMs: k * 4 + 3 }, 'GET', 'api.example.com/users/{id}'),
    ]).flat();
    const [loop] = loopsIn(spans);
    expect(loop!.statements.map((statement) => statement.kind)).toEqual(['db', 'http']);
    expect(loop!.suggestion).toBe(
      'Load what the loop needs for all 5 items before it — `SELECT ... FROM meetings WHERE meetings.id = ANY($1)`; ' +
        'one batch request instead of `GET api.example.com/users/{id}` per item — or eager-load the related rows ' +
        '(a JOIN, an ORM include), then look them up in memory inside the loop: 2 round trips instead of 10.',
    );
  });

  it('orders spans by the order they started and ended in when every span has it, not by millisecond start times', () => {
    // Start times truncated to the millisecond make each second statement seem to start before the first ended.
    const member = (summary: string): LoopMember => ({ kind: 'db', parentSpanId: 'p', fingerprint: summary, query: summary, summary, repeats: 5, suggestion: '' });
    let order = 0;
    const first: LoopSpan[] = [];
    const second: LoopSpan[] = [];
    for (let k = 0; k < 5; k++) {
      first.push({ startMs: k * 2, startOrder: ++order, endMs: k * 2 + 1.3, endOrder: ++order });
      second.push({ startMs: k * 2 + 1, startOrder: ++order, endMs: k * 2 + 1.8, endOrder: ++order });
    }
    const groups = [
      { finding: member('SELECT a'), spans: first },
      { finding: member('SELECT b'), spans: second },
    ];
    expect(findLoops(groups)).toHaveLength(1);
    const withoutOrder = groups.map(({ finding, spans }) => ({ finding, spans: spans.map(({ startMs, endMs }) => ({ startMs, endMs })) }));
    expect(findLoops(withoutOrder)).toEqual([]);
  });

  it(`reports at most MAX_LOOPS_PER_REQUEST (${MAX_LOOPS_PER_REQUEST}) loops, the longest first`, () => {
    const spans = Array.from({ length: MAX_LOOPS_PER_REQUEST + 3 }, (_, i) =>
      Array.from({ length: 5 }, (_, k) => [
        query(`SELECT a FROM t${i} WHERE id = $1`, k * 4, 1 + i / 100, `parent-${i}`),
        query(`SELECT b FROM t${i} WHERE id = $1`, k * 4 + 2, 1, `parent-${i}`),
      ]).flat(),
    ).flat();
    const loops = loopsIn(spans);
    expect(loops).toHaveLength(MAX_LOOPS_PER_REQUEST);
    expect(loops[0]!.parentSpanId).toBe(`parent-${MAX_LOOPS_PER_REQUEST + 2}`);
  });
});
