import { SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { REQUEST_ATTRIBUTES } from '../../../src/processors/request-attributes';
import { traceWorthKeeping } from '../../../src/processors/trace-worth-keeping';

const root = (attributes: Attributes, code = SpanStatusCode.UNSET): ReadableSpan => ({ attributes, status: { code } }) as unknown as ReadableSpan;
const plain = root({ [REQUEST_ATTRIBUTES.nPlusOneCount]: 0, [REQUEST_ATTRIBUTES.slow]: false });
const withNPlusOne = root({ [REQUEST_ATTRIBUTES.nPlusOneCount]: 2, [REQUEST_ATTRIBUTES.slow]: false });
const slow = root({ [REQUEST_ATTRIBUTES.nPlusOneCount]: 0, [REQUEST_ATTRIBUTES.slow]: true });
const failed = root({ [REQUEST_ATTRIBUTES.nPlusOneCount]: 0, [REQUEST_ATTRIBUTES.slow]: false }, SpanStatusCode.ERROR);

describe('which requests are worth keeping (SPANLENS_KEEP_TRACES)', () => {
  it('keeps each kind of request only for its own reason', () => {
    const cases: Array<[Parameters<typeof traceWorthKeeping>[0], boolean[]]> = [
      [['n_plus_one'], [false, true, false, false]],
      [['slow'], [false, false, true, false]],
      [['error'], [false, false, false, true]],
      [['n_plus_one', 'slow', 'error'], [false, true, true, true]],
      [[], [false, false, false, false]],
    ];
    for (const [reasons, expected] of cases) {
      const worth = traceWorthKeeping(reasons);
      expect([plain, withNPlusOne, slow, failed].map(worth)).toEqual(expected);
    }
  });

  it('does not take a count that is not a positive number for an N+1', () => {
    const worth = traceWorthKeeping(['n_plus_one']);
    expect(worth(root({ [REQUEST_ATTRIBUTES.nPlusOneCount]: '3' }))).toBe(false);
    expect(worth(root({}))).toBe(false);
  });
});
