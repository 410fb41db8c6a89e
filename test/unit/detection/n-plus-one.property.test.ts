import fc from 'fast-check';
import type { DetectionSpan } from '../../../src/detection/detection-span';
import { MAX_FINDINGS_PER_REQUEST, type NPlusOneFinding, type NPlusOneOptions, detectNPlusOne } from '../../../src/detection/n-plus-one';
import type { StatementCategory } from '../../../src/sql/statement-class';

const EPSILON_MS = 1e-9;

/** The statement shapes of the generated requests: fingerprint, normalized text, summary, category. */
const SHAPES: Record<string, [string, string, StatementCategory]> = {
  f1: ['SELECT * FROM t WHERE id = $1', 'SELECT t', 'query'],
  f2: ['COMMIT', 'COMMIT', 'transaction-control'],
  f3: ['FETCH $1 FROM c', 'FETCH', 'cursor-fetch'],
  f4: ['SELECT * FROM u', 'SELECT u', 'query'],
  f5: ['SELECT * FROM v WHERE id = $1', 'SELECT v', 'query'],
};

/** Spans of a request: a few parents, a few shapes, any timing, some spans that must never count. */
const spanArbitrary: fc.Arbitrary<DetectionSpan> = fc
  .record({
    spanId: fc.uuid(),
    parentSpanId: fc.constantFrom<string | undefined>('root', 'a', 'b', 'c', undefined),
    kind: fc.constantFrom<'db' | 'cache'>('db', 'db', 'db', 'cache'),
    fingerprint: fc.constantFrom('f1', 'f1', 'f2', 'f3', 'f4', 'f5'),
    // Records may come without the category: the detector then reads it from the text.
    categoryKnown: fc.boolean(),
    name: fc.constantFrom<string | undefined>(undefined, undefined, 'pg.query:SELECT', 'pg-pool.connect'),
    startMs: fc.double({ min: 0, max: 1_000, noNaN: true }),
    durationMs: fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constant(-1)),
  })
  .map(({ durationMs, categoryKnown, name, ...span }) => {
    const [normalized, summary, category] = SHAPES[span.fingerprint]!;
    return {
      ...span,
      normalized,
      summary,
      ...(categoryKnown ? { category } : {}),
      ...(name === undefined ? {} : { name }),
      endMs: span.startMs + durationMs,
    };
  });

const optionsArbitrary: fc.Arbitrary<NPlusOneOptions> = fc.record({
  minRepeats: fc.integer({ min: 2, max: 8 }),
  minDurationMs: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 50, noNaN: true }), fc.double({ min: 0, max: 300, noNaN: true })),
  ignore: fc.subarray(['f4', '/FROM u/', '/(broken/']),
});

/** The rule, spelled out naively: which spans count at all. */
function counts(span: DetectionSpan, options: NPlusOneOptions): boolean {
  if (span.name === 'pg-pool.connect') return false;
  if (SHAPES[span.fingerprint]![2] !== 'query') return false;
  if (options.ignore?.includes(span.fingerprint)) return false;
  return !(options.ignore?.includes('/FROM u/') && /FROM u/.test(span.normalized));
}

const durationOf = (span: DetectionSpan) => Math.max(0, span.endMs - span.startMs);

/** Union length by the textbook method: sort by start, sweep. */
function unionMs(spans: readonly DetectionSpan[]): number {
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs);
  let total = 0;
  let blockStart = Number.NaN;
  let blockEnd = Number.NaN;
  for (const span of sorted) {
    const end = span.startMs + durationOf(span);
    if (Number.isNaN(blockStart) || span.startMs > blockEnd) {
      if (!Number.isNaN(blockStart)) total += blockEnd - blockStart;
      [blockStart, blockEnd] = [span.startMs, end];
    } else blockEnd = Math.max(blockEnd, end);
  }
  return Number.isNaN(blockStart) ? 0 : total + blockEnd - blockStart;
}

describe('N+1 detection, for any request', () => {
  it('never throws', () => {
    fc.assert(
      fc.property(fc.array(spanArbitrary, { maxLength: 200, size: 'max' }), optionsArbitrary, (spans, options) => {
        expect(() => detectNPlusOne(spans, options)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it('reports only groups that satisfy the rule, with a merged duration between the longest span and the sum', () => {
    let findingsChecked = 0;
    fc.assert(
      fc.property(fc.array(spanArbitrary, { maxLength: 200, size: 'max' }), optionsArbitrary, (spans, options) => {
        for (const finding of detectNPlusOne(spans, options)) {
          findingsChecked += 1;
          const group = spans.filter(
            (span) =>
              span.parentSpanId === finding.parentSpanId &&
              span.fingerprint === finding.fingerprint &&
              span.kind === finding.kind &&
              counts(span, options),
          );
          expect(finding.repeats).toBe(group.length);
          expect(finding.repeats).toBeGreaterThanOrEqual(options.minRepeats ?? 5);
          expect(finding.durationMs).toBeGreaterThanOrEqual(options.minDurationMs ?? 0);
          const sum = group.reduce((total, span) => total + durationOf(span), 0);
          const longest = Math.max(...group.map(durationOf));
          expect(finding.durationMs).toBeLessThanOrEqual(sum + EPSILON_MS);
          expect(finding.durationMs).toBeGreaterThanOrEqual(longest - EPSILON_MS);
          expect(finding.summedDurationMs).toBeCloseTo(sum, 6);
          expect(finding.durationMs).toBeCloseTo(unionMs(group), 6);
        }
      }),
      { numRuns: 500 },
    );
    // The generator must produce findings for this property to say anything.
    expect(findingsChecked).toBeGreaterThan(500);
  });

  it('misses no group that satisfies the rule', () => {
    fc.assert(
      fc.property(fc.array(spanArbitrary, { maxLength: 200, size: 'max' }), optionsArbitrary, (spans, options) => {
        const groups = new Map<string, DetectionSpan[]>();
        for (const span of spans.filter((s) => counts(s, options))) {
          const key = `${span.kind}|${span.parentSpanId}|${span.fingerprint}`;
          groups.set(key, [...(groups.get(key) ?? []), span]);
        }
        const expected = [...groups.values()].filter(
          (group) => group.length >= (options.minRepeats ?? 5) && unionMs(group) >= (options.minDurationMs ?? 0) + EPSILON_MS,
        ).length;
        const found = detectNPlusOne(spans, options).length;
        expect(found).toBeGreaterThanOrEqual(Math.min(expected, MAX_FINDINGS_PER_REQUEST));
      }),
      { numRuns: 500 },
    );
  });

  it('finds the same whatever order the spans are recorded in', () => {
    fc.assert(
      fc.property(
        fc.array(spanArbitrary, { maxLength: 100, size: 'max' }).chain((spans) => fc.tuple(fc.constant(spans), fc.shuffledSubarray(spans, { minLength: spans.length }))),
        optionsArbitrary,
        ([spans, shuffled], options) => {
          const byGroup = (findings: NPlusOneFinding[]) =>
            findings
              .map((f) => ({ key: `${f.kind}|${f.parentSpanId}|${f.fingerprint}|${f.repeats}`, durationMs: f.durationMs }))
              .sort((x, y) => x.key.localeCompare(y.key));
          const a = byGroup(detectNPlusOne(spans, options));
          const b = byGroup(detectNPlusOne(shuffled, options));
          expect(b.map((f) => f.key)).toEqual(a.map((f) => f.key));
          b.forEach((f, i) => expect(f.durationMs).toBeCloseTo(a[i]!.durationMs, 6));
        },
      ),
      { numRuns: 300 },
    );
  });
});
