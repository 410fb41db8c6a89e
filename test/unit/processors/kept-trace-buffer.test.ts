import {
  type BufferLoss,
  DEFAULT_KEPT_TRACE_LIMITS,
  KeptTraceBuffer,
  type KeptTraceLimits,
  LATE_SPAN_WINDOW_MS,
  MAX_BUFFERED_SPANS,
  MAX_BUFFERED_SPANS_PER_TRACE,
  MAX_OPEN_TRACES,
  MAX_REMEMBERED_KEPT_TRACES,
} from '../../../src/processors/kept-trace-buffer';

interface Harness {
  buffer: KeptTraceBuffer<string>;
  losses: BufferLoss[];
  clock: { nowMs: number };
}

function harness(limits: Partial<KeptTraceLimits> = {}): Harness {
  const losses: BufferLoss[] = [];
  const clock = { nowMs: 0 };
  const buffer = new KeptTraceBuffer<string>({ ...DEFAULT_KEPT_TRACE_LIMITS, ...limits }, (loss) => losses.push(loss), () => clock.nowMs);
  return { buffer, losses, clock };
}

/** Opens a request of `traceId` and ends `count` of its spans, named `<traceId>.<n>`. */
function request(buffer: KeptTraceBuffer<string>, traceId: string, count: number): void {
  buffer.openRequest(traceId);
  for (let n = 1; n <= count; n++) buffer.add(traceId, `${traceId}.${n}`);
}

describe('KeptTraceBuffer', () => {
  it('names its bounds', () => {
    expect(DEFAULT_KEPT_TRACE_LIMITS).toEqual({
      maxSpansPerTrace: MAX_BUFFERED_SPANS_PER_TRACE,
      maxSpans: MAX_BUFFERED_SPANS,
      maxOpenTraces: MAX_OPEN_TRACES,
      lateSpanWindowMs: LATE_SPAN_WINDOW_MS,
      maxRememberedKeptTraces: MAX_REMEMBERED_KEPT_TRACES,
    });
    expect(MAX_BUFFERED_SPANS_PER_TRACE).toBeLessThan(MAX_BUFFERED_SPANS);
  });

  it('hands over a kept request’s spans in the order they ended, and holds nothing after', () => {
    const { buffer } = harness();
    request(buffer, 'a', 3);
    request(buffer, 'b', 2);
    expect(buffer.bufferedSpans).toBe(5);
    expect(buffer.keep('a')).toEqual(['a.1', 'a.2', 'a.3']);
    expect(buffer.bufferedSpans).toBe(2);
    expect(buffer.openTraces).toBe(1);
  });

  it('lets a dropped request’s spans go', () => {
    const { buffer } = harness();
    request(buffer, 'a', 3);
    expect(buffer.drop('a')).toBe(false);
    expect(buffer.bufferedSpans).toBe(0);
    expect(buffer.openTraces).toBe(0);
    expect(buffer.keep('a')).toEqual([]);
  });

  it('does not hold spans of a trace no request of this process opened', () => {
    const { buffer } = harness();
    expect(buffer.add('startup', 'startup.1')).toBe(false);
    expect(buffer.bufferedSpans).toBe(0);
  });

  it('exports the late spans of a kept trace for the window after its root ended, then no more', () => {
    const { buffer, clock } = harness({ lateSpanWindowMs: 1000 });
    request(buffer, 'a', 1);
    buffer.keep('a');
    clock.nowMs = 1000;
    expect(buffer.add('a', 'a.late')).toBe(true);
    clock.nowMs = 1001;
    expect(buffer.add('a', 'a.too-late')).toBe(false);
    expect(buffer.bufferedSpans).toBe(0);
  });

  it('does not export late spans of a dropped trace', () => {
    const { buffer } = harness();
    request(buffer, 'a', 1);
    buffer.drop('a');
    expect(buffer.add('a', 'a.late')).toBe(false);
  });

  it('holds a trace until the last of its requests in this process ends, and keeps the other request’s root once kept', () => {
    const { buffer } = harness();
    buffer.openRequest('a');
    buffer.openRequest('a');
    buffer.add('a', 'a.1');
    expect(buffer.drop('a')).toBe(false);
    buffer.add('a', 'a.2');
    expect(buffer.keep('a')).toEqual(['a.1', 'a.2']);
    // The other request of the kept trace: its spans and its root go straight out.
    expect(buffer.add('a', 'a.3')).toBe(true);
    expect(buffer.drop('a')).toBe(true);
  });

  it('sends a request that starts in an already kept trace straight through', () => {
    const { buffer } = harness();
    request(buffer, 'a', 1);
    buffer.keep('a');
    buffer.openRequest('a');
    expect(buffer.openTraces).toBe(0);
    expect(buffer.add('a', 'a.2')).toBe(true);
  });

  it('holds at most maxSpansPerTrace spans of one request, the first ones, and says so', () => {
    const { buffer, losses } = harness({ maxSpansPerTrace: 3 });
    buffer.openRequest('a');
    // None is to be exported now, held or not: the request may still turn out not worth keeping.
    expect([1, 2, 3, 4, 5].map((n) => buffer.add('a', `a.${n}`))).toEqual([false, false, false, false, false]);
    expect(buffer.bufferedSpans).toBe(3);
    expect(buffer.keep('a')).toEqual(['a.1', 'a.2', 'a.3']);
    expect(losses).toEqual(['trace-full', 'trace-full']);
  });

  it('lets the oldest request go when all requests together hold maxSpans', () => {
    const { buffer, losses } = harness({ maxSpans: 4 });
    request(buffer, 'old', 2);
    request(buffer, 'new', 2);
    buffer.add('new', 'new.3');
    expect(buffer.bufferedSpans).toBe(3);
    expect(buffer.keep('old')).toEqual([]);
    expect(buffer.keep('new')).toEqual(['new.1', 'new.2', 'new.3']);
    expect(losses).toEqual(['buffer-full']);
  });

  it('drops the span when the request adding it is the only one holding spans', () => {
    const { buffer } = harness({ maxSpans: 2 });
    buffer.openRequest('a');
    expect([1, 2, 3].map((n) => buffer.add('a', `a.${n}`))).toEqual([false, false, false]);
    expect(buffer.bufferedSpans).toBe(2);
    expect(buffer.keep('a')).toEqual(['a.1', 'a.2']);
  });

  it('lets the oldest open request go past maxOpenTraces, so roots that never end stay bounded', () => {
    const { buffer, losses } = harness({ maxOpenTraces: 100 });
    for (let i = 0; i < 1000; i++) request(buffer, `leaked-${i}`, 2);
    expect(buffer.openTraces).toBe(100);
    expect(buffer.bufferedSpans).toBe(200);
    expect(buffer.keep('leaked-899')).toEqual([]);
    expect(buffer.keep('leaked-900')).toEqual(['leaked-900.1', 'leaked-900.2']);
    expect(losses).toHaveLength(900);
    expect(new Set(losses)).toEqual(new Set(['too-many-open']));
  });

  it('remembers at most maxRememberedKeptTraces kept traces, forgetting the oldest', () => {
    const { buffer } = harness({ maxRememberedKeptTraces: 10 });
    for (let i = 0; i < 50; i++) {
      request(buffer, `t${i}`, 1);
      buffer.keep(`t${i}`);
    }
    expect(buffer.add('t39', 'late')).toBe(false);
    expect(buffer.add('t40', 'late')).toBe(true);
    expect(buffer.add('t49', 'late')).toBe(true);
  });

  it('forgets expired kept traces as new ones are kept', () => {
    const { buffer, clock } = harness({ lateSpanWindowMs: 10 });
    request(buffer, 'a', 1);
    buffer.keep('a');
    clock.nowMs = 100;
    request(buffer, 'b', 1);
    buffer.keep('b');
    expect(buffer.add('a', 'a.late')).toBe(false);
    expect(buffer.add('b', 'b.late')).toBe(true);
  });

  it('lets everything go on clear', () => {
    const { buffer } = harness();
    request(buffer, 'a', 2);
    request(buffer, 'b', 1);
    buffer.keep('b');
    buffer.clear();
    expect(buffer.bufferedSpans).toBe(0);
    expect(buffer.openTraces).toBe(0);
    expect(buffer.add('b', 'b.late')).toBe(false);
  });
});
