import { ROOT_CONTEXT, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { RequestStatisticsProcessor } from '../../../src/processors/request-statistics-processor';
import { SqlFingerprinter } from '../../../src/sql/fingerprinter';
import { StatisticsStore } from '../../../src/stats/statistics-store';

const LOOKUP = (id: number): string => `SELECT user_id FROM attendees WHERE meeting_id = ${id}`;
const PAGE = (id: number): string => `SELECT id, title FROM meetings WHERE id = ${id}`;

/** A meeting page: the meeting, then its attendees' lookup once per attendee (an N+1 of 6). */
function meetingPage(tracer: Tracer, meetingId: number): void {
  const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': `/meetings/${meetingId}` } }, ROOT_CONTEXT);
  const parent = trace.setSpan(ROOT_CONTEXT, root);
  const statements = [PAGE(meetingId), ...Array.from({ length: 6 }, (_, i) => LOOKUP(meetingId * 10 + i))];
  for (const text of statements) {
    tracer.startSpan('pg.query', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': text } }, parent).end();
  }
  root.end();
}

describe('statements that run while the SQL parser loads', () => {
  it('count under the same fingerprints as the same statements after it loaded', async () => {
    // As start() wires it: the parser loads when pg does, or at the first statement; every query is slow.
    const fingerprinter = new SqlFingerprinter({ loadOnFirstStatement: true });
    const processor = new RequestStatisticsProcessor({ slowQueryThresholdMs: 0, slowRequestThresholdMs: 1000, maxRoutes: 10, meterProvider: new MeterProvider(), fingerprinter });
    const store = new StatisticsStore({ service: 'test' });
    processor.onRequestEnd((summary) => store.record(summary));
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('test');

    meetingPage(tracer, 1);
    // The measure can fail: the first request really ran before the parser was there.
    expect(fingerprinter.loadRequested).toBe(true);
    expect(fingerprinter.parserLoaded).toBe(false);
    await fingerprinter.load();
    expect(fingerprinter.parserLoaded).toBe(true);
    meetingPage(tracer, 2);
    meetingPage(tracer, 3);

    const { slowQueries, nPlusOne } = store.snapshot();
    expect(slowQueries.map(({ query, count }) => ({ query, count })).sort((a, b) => b.count - a.count)).toEqual([
      { query: 'SELECT user_id FROM attendees WHERE meeting_id = $1', count: 18 },
      { query: 'SELECT id, title FROM meetings WHERE id = $1', count: 3 },
    ]);
    expect(nPlusOne.map(({ query, occurrences }) => ({ query, occurrences }))).toEqual([
      { query: 'SELECT user_id FROM attendees WHERE meeting_id = $1', occurrences: 3 },
    ]);
    expect(nPlusOne[0]!.fingerprint).toBe(slowQueries.find(({ query }) => query === nPlusOne[0]!.query)!.fingerprint);
    // The fix it names is the parser's, once the parser is there.
    expect(nPlusOne[0]!.suggestion).toContain('`SELECT ... FROM attendees WHERE attendees.meeting_id = ANY($1)`');
  });
});
