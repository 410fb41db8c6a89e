import type { DetectionSpan, DetectionSpanKind } from '../../../src/detection/detection-span';
import { NPlusOneDetector } from '../../../src/detection/n-plus-one';
import { genericBatchingSuggestion, suggestCacheBatching } from '../../../src/sql/suggestion';

// Gaps found by mutation testing (npm run mutate): each test names what it protects.

/** `count` spans of one shape under `parent`, one after the other, as untyped callers may hand them over. */
function repeated(kind: DetectionSpanKind, fingerprint: string, count: number, extra: Partial<DetectionSpan> = {}, parent = 'handler'): DetectionSpan[] {
  return Array.from({ length: count }, (_, i) => ({
    kind,
    spanId: `${kind}-${fingerprint}-${i}`,
    parentSpanId: parent,
    fingerprint,
    normalized: fingerprint,
    summary: fingerprint,
    category: 'query',
    startMs: i,
    endMs: i + 1,
    ...extra,
  }));
}

describe('N+1 detection groups by kind as well as by shape and parent', () => {
  it('does not add up database, cache and HTTP repeats that share a fingerprint', () => {
    const spans = [...repeated('db', 'same', 3), ...repeated('cache', 'same', 3), ...repeated('http', 'same', 3)];
    expect(new NPlusOneDetector({ minRepeats: 5 }).detect(spans)).toEqual([]);
  });

  it('reports each kind that repeats on its own, with its kind', () => {
    const spans = [...repeated('db', 'same', 5), ...repeated('cache', 'same', 6), ...repeated('http', 'same', 7)];
    const found = new NPlusOneDetector({ minRepeats: 5 }).detect(spans).map(({ kind, repeats }) => ({ kind, repeats }));
    expect(found.sort((a, b) => a.repeats - b.repeats)).toEqual([
      { kind: 'db', repeats: 5 },
      { kind: 'cache', repeats: 6 },
      { kind: 'http', repeats: 7 },
    ]);
  });
});

describe('spans that are not detection spans', () => {
  it('skips entries of unknown kind, without a fingerprint, or without finite times', () => {
    const junk = [
      ...repeated('queue' as DetectionSpanKind, 'q', 5),
      ...repeated('db', '', 5),
      ...repeated('db', 'no-end', 5, { endMs: Number.NaN }),
      null as unknown as DetectionSpan,
      'span' as unknown as DetectionSpan,
    ];
    const detector = new NPlusOneDetector({ minRepeats: 5 });
    expect(detector.detect(junk)).toEqual([]);
    expect(detector.detect([...junk, ...repeated('db', 'real', 5)]).map((finding) => finding.fingerprint)).toEqual(['real']);
  });
});

describe('the suggestion of a finding whose spans carry none', () => {
  it('is the cache batching hint for a cache operation', () => {
    const [finding] = new NPlusOneDetector().detect(repeated('cache', 'keyv.get user:{id}', 5, { suggestion: '' }));
    expect(finding?.suggestion).toBe(suggestCacheBatching('get', 'keyv.get user:{id}'));
  });

  it('is the generic hint built from the summary for a statement', () => {
    const [finding] = new NPlusOneDetector().detect(repeated('db', 'f', 5, { summary: 'SELECT attendees users' }));
    expect(finding?.suggestion).toBe(genericBatchingSuggestion('SELECT', ['attendees', 'users']));
    expect(finding?.suggestion).toContain('attendees');
  });
});

describe('ignore patterns', () => {
  it('ignores a shape that any one of several patterns matches', () => {
    const detector = new NPlusOneDetector({ ignore: ['/from settings/', '/from audit_log/'] });
    const spans = [
      ...repeated('db', 'settings', 5, { normalized: 'select * from settings where id = $1' }),
      ...repeated('db', 'audit', 5, { normalized: 'select * from audit_log where id = $1' }),
      ...repeated('db', 'users', 5, { normalized: 'select * from users where id = $1' }),
    ];
    expect(detector.detect(spans).map((finding) => finding.fingerprint)).toEqual(['users']);
  });
});
