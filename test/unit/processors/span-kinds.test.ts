import { SpanKind, type Attributes, type SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { isDatabaseQuerySpan, isLocalRoot } from '../../../src/processors/span-kinds';

const span = (fields: { name?: string; kind?: SpanKind; attributes?: Attributes; parentSpanContext?: Partial<SpanContext> }): ReadableSpan =>
  ({ name: 'span', kind: SpanKind.INTERNAL, attributes: {}, ...fields }) as unknown as ReadableSpan;

describe('which spans are database queries', () => {
  it('is a span with a database system, under either convention', () => {
    expect(isDatabaseQuerySpan(span({ name: 'pg.query:SELECT', attributes: { 'db.system.name': 'postgresql' } }))).toBe(true);
    expect(isDatabaseQuerySpan(span({ name: 'pg.query:SELECT', attributes: { 'db.system': 'postgresql' } }))).toBe(true);
    expect(isDatabaseQuerySpan(span({ name: 'GET /users' }))).toBe(false);
  });

  it('is not a connection checkout, nor a cache operation on a database-backed store', () => {
    expect(isDatabaseQuerySpan(span({ name: 'pg-pool.connect', attributes: { 'db.system.name': 'postgresql' } }))).toBe(false);
    expect(isDatabaseQuerySpan(span({ name: 'keyv.get', attributes: { 'db.system.name': 'redis', 'spanlens.cache.operation': 'get' } }))).toBe(false);
  });
});

describe('which spans start a request in this process', () => {
  it('is a server or internal span with no parent, or with a remote parent', () => {
    expect(isLocalRoot(span({ kind: SpanKind.SERVER }))).toBe(true);
    expect(isLocalRoot(span({ kind: SpanKind.CONSUMER }))).toBe(true);
    expect(isLocalRoot(span({ kind: SpanKind.SERVER, parentSpanContext: { spanId: 'a'.repeat(16), isRemote: true } }))).toBe(true);
  });

  it('is not a span with a local parent, nor a client or producer span with none (a query at start-up)', () => {
    expect(isLocalRoot(span({ kind: SpanKind.SERVER, parentSpanContext: { spanId: 'a'.repeat(16), isRemote: false } }))).toBe(false);
    expect(isLocalRoot(span({ kind: SpanKind.CLIENT }))).toBe(false);
    expect(isLocalRoot(span({ kind: SpanKind.PRODUCER }))).toBe(false);
  });
});
