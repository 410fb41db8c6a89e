import type { DetectionSpan } from '../../../src/detection/detection-span';
import { NPlusOneDetector } from '../../../src/detection/n-plus-one';
import { genericBatchingSuggestion } from '../../../src/sql/suggestion';
import { suggestHttpBatching } from '../../../src/detection/http-suggestion';

// Detection is exported for users who build their own pipeline: spans may come from untyped JavaScript,
// with the text fields missing. It must report them with empty text, never with text it made up.
describe('N+1 detection of spans handed over without their text', () => {
  const spans = Array.from(
    { length: 5 },
    (_, i) => ({ kind: 'db', spanId: `s${i}`, parentSpanId: 'handler', fingerprint: 'f1', startMs: i, endMs: i + 1 }) as unknown as DetectionSpan,
  );

  it('reports them with an empty query and summary and the generic suggestion', () => {
    const findings = new NPlusOneDetector().detect(spans);
    expect(findings).toEqual([
      expect.objectContaining({ fingerprint: 'f1', query: '', summary: '', repeats: 5, suggestion: genericBatchingSuggestion('', []) }),
    ]);
  });

  it('matches no ignore pattern against made-up text', () => {
    const detector = new NPlusOneDetector({ ignore: ['/Stryker|.+/'] });
    expect(detector.detect(spans)).toHaveLength(1);
  });
});

describe('the suggestion for a repeated outgoing HTTP call', () => {
  it('names the call and says how to make one request of them', () => {
    expect(suggestHttpBatching('GET', '/users/{id}')).toBe(
      'Make one request for all items instead of one `GET /users/{id}` per item: a batch endpoint that takes every id at once ' +
        '(a list parameter, or a POST with the ids), or fetch the collection once and look the items up in memory.',
    );
  });
});
