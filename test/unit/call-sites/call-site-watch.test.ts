import { CallSiteWatch, MAX_WATCHED_SHAPES_PER_REQUEST } from '../../../src/call-sites/call-site-watch';

const site = { file: 'src/meetings.js', line: 12, function: 'listMeetings' };

describe('CallSiteWatch', () => {
  it('says to capture exactly once per (parent, shape): when the threshold repeat is issued, never again', () => {
    const watch = new CallSiteWatch(5);
    const verdicts = Array.from({ length: 12 }, () => watch.issued('handler', 'SELECT attendees'));
    expect(verdicts.map((capture, i) => (capture ? i + 1 : 0)).filter(Boolean)).toEqual([5]);
  });

  it('counts each parent and each shape apart', () => {
    const watch = new CallSiteWatch(2);
    expect([watch.issued('a', 'x'), watch.issued('b', 'x'), watch.issued('a', 'y'), watch.issued('a', 'x')]).toEqual([false, false, false, true]);
  });

  it('does not count again the span of an operation issued ahead of it (pg pool.query)', () => {
    const watch = new CallSiteWatch(3);
    expect([watch.issuedAhead('p', 'q'), watch.spanStarted('p', 'q'), watch.issuedAhead('p', 'q'), watch.spanStarted('p', 'q')]).toEqual([false, false, false, false]);
    // A span with nothing announced ahead counts on its own: the third operation.
    expect(watch.spanStarted('p', 'q')).toBe(true);
  });

  it('keeps the call site recorded for a group, and null where none was', () => {
    const watch = new CallSiteWatch(2);
    watch.issued('p', 'q');
    watch.issued('p', 'q');
    watch.record('p', 'q', site);
    expect(watch.callSiteOf('p', 'q')).toEqual(site);
    expect(watch.callSiteOf('p', 'other')).toBeNull();
    expect(watch.callSiteOf(undefined, 'q')).toBeNull();
  });

  it(`watches at most MAX_WATCHED_SHAPES_PER_REQUEST (${MAX_WATCHED_SHAPES_PER_REQUEST}) groups per request`, () => {
    const watch = new CallSiteWatch(2);
    for (let i = 0; i < MAX_WATCHED_SHAPES_PER_REQUEST; i++) watch.issued(`parent-${i % 7}`, `shape-${i}`);
    expect([watch.issued('p', 'late'), watch.issued('p', 'late')]).toEqual([false, false]);
    // Groups already watched go on counting.
    expect(watch.issued('parent-0', 'shape-0')).toBe(true);
  });
});
