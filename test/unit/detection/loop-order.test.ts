import { type DetectionSpan, databaseSpanRecord } from '../../../src/detection/detection-span';
import { NPlusOneDetector } from '../../../src/detection/n-plus-one';
import { SqlFingerprinter } from '../../../src/sql/fingerprinter';

// Queries of a fraction of a millisecond share their start and end times: the processor numbers the
// starts and ends of spans, and loop detection reads the order of statements from those numbers.
const fingerprinter = new SqlFingerprinter();
beforeAll(() => fingerprinter.load());

const MEETING = 'SELECT title FROM meetings WHERE id = $1';
const ATTENDEES = 'SELECT user_id FROM attendees WHERE meeting_id = $1';

/** `items` iterations of MEETING then ATTENDEES, all within one millisecond, numbered as the processor does. */
function fastLoop(items: number): DetectionSpan[] {
  let sequence = 0;
  return Array.from({ length: items * 2 }, (_, index) => {
    const startOrder = ++sequence;
    const endOrder = ++sequence;
    const timing = { spanId: `s${index}`, parentSpanId: 'handler', startMs: 5, endMs: 5, startOrder, endOrder };
    return databaseSpanRecord(timing, fingerprinter.analyze(index % 2 === 0 ? MEETING : ATTENDEES));
  });
}

const loopsOf = (spans: DetectionSpan[]) =>
  new NPlusOneDetector().analyze(spans).loops.map((loop) => [loop.iterations, loop.statements.map((statement) => statement.summary)]);

describe('loops of statements that share their millisecond', () => {
  it('are found from the order the processor numbered their starts and ends', () => {
    expect(loopsOf(fastLoop(5))).toEqual([[5, ['SELECT meetings', 'SELECT attendees']]]);
  });

});
