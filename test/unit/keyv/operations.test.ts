import { type Span, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { isWrapped } from '@opentelemetry/instrumentation';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { MAX_EXCEPTIONS_PER_SPAN } from '../../../instrumentations/keyv';
import {
  FailingStore,
  KEYV_VERSIONS,
  type KeyvClass,
  type KeyvLike,
  type KeyvModule,
  createHarness,
  leaks,
  outcomeOf,
  recordErrorEvents,
  sleep,
  useContextManager,
} from './harness';

useContextManager();
const harness = createHarness();
const tracer = harness.provider.getTracer('test');

/** Runs `work` under a `request` span and returns that span. */
async function inRequest(work: () => Promise<unknown>): Promise<Span> {
  const request = tracer.startSpan('request');
  await context.with(trace.setSpan(context.active(), request), work);
  request.end();
  return request;
}

function only(spans: ReadableSpan[], name: string): ReadableSpan {
  const named = spans.filter((span) => span.name === name);
  expect(named).toHaveLength(1);
  return named[0]!;
}

/** A key-value store known to keyv by its class name, like the adapters of other databases. */
class KeyvSqlite {
  namespace: string | undefined;
  opts = { dialect: 'sqlite' };
  private readonly rows = new Map<string, unknown>();
  async get(key: string) {
    return this.rows.get(key);
  }
  async set(key: string, value: unknown) {
    this.rows.set(key, value);
    return true;
  }
  async delete(key: string) {
    return this.rows.delete(key);
  }
  async clear() {
    this.rows.clear();
  }
  async has(key: string) {
    return this.rows.has(key);
  }
}

/** A store that reads through to another keyv instance: a second cache tier. */
class KeyvTiered {
  namespace: string | undefined;
  opts = {};
  constructor(private readonly inner: KeyvLike) {}
  async get(key: string) {
    return this.inner.get(key);
  }
  async set(key: string, value: unknown, ttl?: number) {
    return this.inner.set(key, value, ttl);
  }
  async delete(key: string) {
    return this.inner.delete(key);
  }
  async clear() {
    return this.inner.clear();
  }
  async has(key: string) {
    return this.inner.has(key);
  }
}

describe.each(KEYV_VERSIONS)('$label', ({ alias, major, version }) => {
  const keyvModule = require(alias) as KeyvModule;
  const { Keyv } = keyvModule;
  let UnpatchedKeyv: KeyvClass;
  const defaultNamespace = major === 5 ? 'keyv' : undefined;

  beforeAll(() => {
    jest.isolateModules(() => {
      UnpatchedKeyv = (require(alias) as KeyvModule).Keyv;
    });
    harness.patch(keyvModule, version);
  });
  afterAll(() => harness.unpatch(keyvModule, version));
  beforeEach(() => {
    harness.instrumentation.setConfig({});
    harness.exporter.reset();
  });

  describe('reads', () => {
    it('traces a get as a CLIENT span keyv.get, child of the active span, with hit, store, namespace and key pattern', async () => {
      const keyv = new Keyv({ namespace: 'users' });
      await keyv.set('user:42:settings', { theme: 'dark' });
      harness.exporter.reset();

      const request = await inRequest(() => keyv.get('user:42:settings'));

      const span = only(harness.spans(), 'keyv.get');
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(span.attributes).toEqual({
        'spanlens.cache.operation': 'get',
        'spanlens.cache.hit': true,
        'spanlens.cache.namespace': 'users',
        'spanlens.cache.store': 'memory',
        'spanlens.cache.key_pattern': 'user:{id}:settings',
      });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    });

    it('counts a stored null, 0 or false as a hit and only undefined as a miss', async () => {
      const keyv = new Keyv();
      await keyv.set('flag:1', null);
      await keyv.set('flag:2', 0);
      await keyv.set('flag:3', false);
      harness.exporter.reset();

      const values = [];
      for (const key of ['flag:1', 'flag:2', 'flag:3', 'flag:4']) values.push(await keyv.get(key));

      expect(values).toEqual([null, 0, false, undefined]);
      expect(harness.keyvSpans().map((span) => span.attributes['spanlens.cache.hit'])).toEqual([true, true, true, false]);
    });

    it('counts the hits and misses of a getMany and patterns its first key', async () => {
      const keyv = new Keyv();
      await keyv.set('product:1', 'lamp');
      await keyv.set('product:3', 0);
      harness.exporter.reset();

      const values = await keyv.getMany(['product:1', 'product:2', 'product:3', 'product:4']);

      expect(values).toEqual(['lamp', undefined, 0, undefined]);
      const span = only(harness.spans(), 'keyv.getMany');
      expect(span.attributes).toMatchObject({
        'spanlens.cache.operation': 'getMany',
        'spanlens.cache.hits': 2,
        'spanlens.cache.misses': 2,
        'spanlens.cache.key_pattern': 'product:{id}',
      });
      expect(span.attributes).not.toHaveProperty(['spanlens.cache.hit']);
    });

    it('counts an empty getMany as zero hits and zero misses, without a key pattern', async () => {
      await new Keyv().getMany([]);
      const span = only(harness.spans(), 'keyv.getMany');
      expect(span.attributes).toMatchObject({ 'spanlens.cache.hits': 0, 'spanlens.cache.misses': 0 });
      expect(span.attributes).not.toHaveProperty(['spanlens.cache.key_pattern']);
    });

    it('traces a get of several keys once, as the getMany keyv turns it into', async () => {
      const keyv = new Keyv();
      await keyv.set('a:1', 1);
      harness.exporter.reset();

      expect(await keyv.get(['a:1', 'a:2'])).toEqual([1, undefined]);

      expect(harness.keyvSpans().map((span) => span.name)).toEqual(['keyv.getMany']);
      expect(harness.keyvSpans()[0]!.attributes).toMatchObject({ 'spanlens.cache.hits': 1, 'spanlens.cache.misses': 1 });
    });

    it('traces has as a hit when it returns true and a miss when it returns false', async () => {
      const keyv = new Keyv();
      await keyv.set('session:9', 'x');
      harness.exporter.reset();

      expect(await keyv.has('session:9')).toBe(true);
      expect(await keyv.has('session:10')).toBe(false);

      expect(harness.keyvSpans().map((span) => [span.name, span.attributes['spanlens.cache.hit']])).toEqual([
        ['keyv.has', true],
        ['keyv.has', false],
      ]);
    });

    it('passes the { raw: true } option through and returns what keyv returns without the instrumentation', async () => {
      const keyv = new Keyv();
      const unpatched = new UnpatchedKeyv();
      for (const instance of [keyv, unpatched]) await instance.set('raw:1', 'value');
      harness.exporter.reset();

      expect(await keyv.get('raw:1', { raw: true })).toEqual(await unpatched.get('raw:1', { raw: true }));
      expect(await keyv.getMany(['raw:1', 'raw:2'], { raw: true })).toEqual(await unpatched.getMany(['raw:1', 'raw:2'], { raw: true }));
      if (major === 5) expect(await keyv.get('raw:1', { raw: true })).toEqual({ value: 'value', expires: undefined });

      expect(harness.keyvSpans().map((span) => span.name)).toEqual(['keyv.get', 'keyv.getMany', ...(major === 5 ? ['keyv.get'] : [])]);
    });

    it('traces getRaw and getManyRaw, the raw lookups cacheable uses, as get and getMany', async () => {
      const keyv = new Keyv();
      await keyv.set('raw:1', 'value');
      harness.exporter.reset();

      expect(await keyv.getRaw('raw:1')).toMatchObject({ value: 'value' });
      expect(await keyv.getRaw('raw:2')).toBeUndefined();
      expect(await keyv.getManyRaw(['raw:1', 'raw:2'])).toEqual([expect.objectContaining({ value: 'value' }), undefined]);

      expect(harness.keyvSpans().map((span) => [span.name, span.attributes])).toEqual([
        ['keyv.get', expect.objectContaining({ 'spanlens.cache.operation': 'get', 'spanlens.cache.hit': true })],
        ['keyv.get', expect.objectContaining({ 'spanlens.cache.hit': false })],
        ['keyv.getMany', expect.objectContaining({ 'spanlens.cache.hits': 1, 'spanlens.cache.misses': 1 })],
      ]);
    });
  });

  describe('writes', () => {
    it('traces set, setMany, delete, deleteMany and clear with one span each and no hit attribute', async () => {
      const keyv = new Keyv();

      await keyv.set('cart:7', ['item']);
      await keyv.setMany([
        { key: 'cart:8', value: 1 },
        { key: 'cart:9', value: 2 },
      ]);
      await keyv.delete('cart:7');
      await keyv.deleteMany(['cart:8', 'cart:9']);
      await keyv.clear();

      const spans = harness.keyvSpans();
      expect(spans.map((span) => [span.name, span.attributes['spanlens.cache.operation'], span.attributes['spanlens.cache.key_pattern']])).toEqual([
        ['keyv.set', 'set', 'cart:{id}'],
        ['keyv.setMany', 'setMany', 'cart:{id}'],
        ['keyv.delete', 'delete', 'cart:{id}'],
        ['keyv.deleteMany', 'deleteMany', 'cart:{id}'],
        ['keyv.clear', 'clear', undefined],
      ]);
      for (const span of spans) {
        expect(span.kind).toBe(SpanKind.CLIENT);
        expect(span.attributes).not.toHaveProperty(['spanlens.cache.hit']);
        expect(span.attributes).not.toHaveProperty(['db.system.name']);
        expect(span.attributes['spanlens.cache.store']).toBe('memory');
      }
    });

    it('traces a delete of several keys once, as the deleteMany keyv turns it into', async () => {
      const keyv = new Keyv();
      await keyv.delete(['a:1', 'a:2']);
      expect(harness.keyvSpans().map((span) => span.name)).toEqual(['keyv.deleteMany']);
    });
  });

  describe('namespace and store', () => {
    it(`reports the instance's namespace, and ${defaultNamespace === undefined ? 'none' : `"${defaultNamespace}"`} for a keyv without one`, async () => {
      await new Keyv().get('k');
      await new Keyv({ namespace: 'tenants' }).get('k');
      const [plain, named] = harness.keyvSpans();
      expect(plain!.attributes['spanlens.cache.namespace']).toBe(defaultNamespace);
      expect(named!.attributes['spanlens.cache.namespace']).toBe('tenants');
    });

    it('reports a Map as the memory store and another store by its class name', async () => {
      await new Keyv({ store: new Map() }).get('k');
      await new Keyv(new KeyvSqlite()).get('k');
      expect(harness.keyvSpans().map((span) => span.attributes['spanlens.cache.store'])).toEqual(['memory', 'sqlite']);
    });
  });

  describe('privacy', () => {
    it('never puts a raw key or value on a span, not even in a recorded error', async () => {
      const keyv = new Keyv({ namespace: 'private' });
      recordErrorEvents(keyv);
      const key = 'user:987654:profile';
      const value = { email: 'sekret-x9@example.com' };

      await inRequest(async () => {
        await keyv.set(key, value);
        await keyv.get(key);
        await keyv.getMany([key, 'user:987655:profile']);
        await keyv.setMany([{ key, value }]);
        await keyv.has(key);
        await keyv.delete(key);
        await keyv.deleteMany([key]);
        // A value keyv cannot parse: JSON.parse quotes it in its error message.
        await writeUnparseable(keyv, key, 'not json sekret-x9');
        await keyv.get(key).catch(() => undefined);
      });

      const spans = harness.keyvSpans();
      expect(spans.some((span) => span.events.some((event) => event.name === 'exception'))).toBe(true);
      expect(leaks(spans, ['987654', '987655', key, 'sekret-x9'])).toEqual([]);
    });
  });

  describe('errors', () => {
    it('records an error keyv swallows on the span and leaves the result and the error event as they were', async () => {
      const store = new FailingStore();
      const keyv = new Keyv(store);
      const events: unknown[] = [];
      keyv.on('error', (error) => events.push(error));

      expect(await keyv.set('order:5', 'x')).toBe(false);

      expect(events).toEqual([store.lastError]);
      const span = only(harness.spans(), 'keyv.set');
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'store connection lost' });
      expect(span.events.filter((event) => event.name === 'exception')).toHaveLength(1);
      expect(span.events[0]!.attributes).toMatchObject({ 'exception.type': 'Error', 'exception.message': 'store connection lost' });
    });

    it("rethrows the store's error from has unchanged and records it once", async () => {
      const store = new FailingStore();
      const keyv = new Keyv(store);

      const rejection = await keyv.has('order:5').catch((error: unknown) => error);

      expect(rejection).toBeInstanceOf(Error);
      expect(rejection).toBe(store.lastError);

      const span = only(harness.spans(), 'keyv.has');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.events.filter((event) => event.name === 'exception')).toHaveLength(1);
      expect(span.attributes).not.toHaveProperty(['spanlens.cache.hit']);
    });

    if (major === 6) {
      it('keyv 6: a get whose error nobody listens for rejects as before, with the error on the span once', async () => {
        const store = new FailingStore();
        const keyv = new Keyv(store);
        const unpatched = new UnpatchedKeyv(new FailingStore());

        expect(await outcomeOf(() => keyv.get('order:5'))).toEqual(await outcomeOf(() => unpatched.get('order:5')));
        expect(await outcomeOf(() => keyv.get('order:5'))).toEqual({ rejected: 'Error: store connection lost' });

        // Two gets on the instrumented keyv: each must have ended its span (finished spans only are listed).
        const spans = harness.keyvSpans();
        expect(spans.map((span) => span.name)).toEqual(['keyv.get', 'keyv.get']);
        for (const span of spans) {
          expect(span.status.code).toBe(SpanStatusCode.ERROR);
          expect(span.events.filter((event) => event.name === 'exception')).toHaveLength(1);
        }
      });
    } else {
      it('keyv 5: a store that throws from get without emitting is invisible, as keyv 5 hides it from the caller too', async () => {
        const keyv = new Keyv(new FailingStore());
        const events = recordErrorEvents(keyv);

        expect(await keyv.get('order:5')).toBeUndefined();

        expect(events).toEqual([]);
        const span = only(harness.spans(), 'keyv.get');
        expect(span.status.code).toBe(SpanStatusCode.UNSET);
        expect(span.attributes['spanlens.cache.hit']).toBe(false);
      });
    }

    it(`records at most ${MAX_EXCEPTIONS_PER_SPAN} exceptions on one span, however many errors a batch emits`, async () => {
      const keyv = new Keyv(new FailingStore());
      const events = recordErrorEvents(keyv);
      const keys = Array.from({ length: 3 * MAX_EXCEPTIONS_PER_SPAN }, (_, index) => `bulk:${index}`);

      await keyv.deleteMany(keys);

      // keyv 6 tries a store without deleteMany key by key and emits each failure; keyv 5 stops at the first.
      expect(events).toHaveLength(major === 6 ? keys.length : 1);
      const span = only(harness.spans(), 'keyv.deleteMany');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      const exceptions = span.events.filter((event) => event.name === 'exception').length;
      expect(exceptions).toBe(Math.min(events.length, MAX_EXCEPTIONS_PER_SPAN));
    });

    it('behaves exactly like keyv without the instrumentation: same results, rejections and error events', async () => {
      const scenario = async (KeyvOf: KeyvClass, withListener: boolean) => {
        const outcomes: unknown[] = [];
        const healthy = new KeyvOf({ namespace: 'same' });
        const failing = new KeyvOf(new FailingStore());
        const events = withListener ? [...[healthy, failing].map(recordErrorEvents)] : [];
        const run = async (call: () => Promise<unknown>) => outcomes.push(await outcomeOf(call), ...events.map((seen) => seen.splice(0)));
        await run(() => healthy.set('n:1', null));
        await run(() => healthy.set('n:2', { nested: [1, 2] }, 60_000));
        await run(() => healthy.get('n:1'));
        await run(() => healthy.get('n:2'));
        await run(() => healthy.get('n:3'));
        await run(() => healthy.getMany(['n:1', 'n:2', 'n:3']));
        await run(() => healthy.get(['n:1', 'n:3']));
        await run(() => healthy.has('n:1'));
        await run(() => healthy.has(['n:1', 'n:3']));
        await run(() => healthy.setMany([{ key: 'n:4', value: 4 }]));
        await run(() => healthy.set('n:5', Symbol('no')));
        await run(() => healthy.delete('n:4'));
        await run(() => healthy.delete(['n:1', 'n:9']));
        await run(() => healthy.deleteMany(['n:2']));
        await run(() => healthy.clear());
        await run(() => failing.get('f:1'));
        await run(() => failing.getMany(['f:1', 'f:2']));
        await run(() => failing.set('f:1', 1));
        await run(() => failing.setMany([{ key: 'f:1', value: 1 }]));
        await run(() => failing.has('f:1'));
        await run(() => failing.delete('f:1'));
        await run(() => failing.deleteMany(['f:1']));
        await run(() => failing.clear());
        return outcomes;
      };

      for (const withListener of [true, false]) {
        const patched = await scenario(Keyv, withListener);
        expect(harness.keyvSpans().length).toBeGreaterThan(0);
        expect(patched).toEqual(await scenario(UnpatchedKeyv, withListener));
      }
    });
  });

  describe('nested calls', () => {
    it('adds no span for the set calls keyv makes inside setMany', async () => {
      const keyv = new Keyv();
      await keyv.setMany([
        { key: 'n:1', value: 1 },
        { key: 'n:2', value: 2 },
      ]);
      expect(harness.keyvSpans().map((span) => span.name)).toEqual(['keyv.setMany']);
    });

    it('adds no span for the deletes keyv makes when a get or getMany finds expired entries', async () => {
      const keyv = new Keyv();
      await keyv.set('short:1', 'x', 1);
      await keyv.set('short:2', 'y', 1);
      await sleep(5);
      harness.exporter.reset();

      expect(await keyv.get('short:1')).toBeUndefined();
      expect(await keyv.getMany(['short:2'])).toEqual([undefined]);

      expect(harness.keyvSpans().map((span) => [span.name, span.attributes['spanlens.cache.hit'] ?? span.attributes['spanlens.cache.misses']])).toEqual([
        ['keyv.get', false],
        ['keyv.getMany', 1],
      ]);
    });

    it("still traces another instance's operation inside a keyv span, as its child", async () => {
      const inner = new Keyv({ namespace: 'l2' });
      const outer = new Keyv(new KeyvTiered(inner), { namespace: 'l1' });
      await outer.set('page:3', 'html');
      harness.exporter.reset();

      await outer.get('page:3');

      const spans = harness.keyvSpans();
      const outerGet = spans.find((span) => span.attributes['spanlens.cache.store'] === 'tiered');
      const innerGet = spans.find((span) => span.attributes['spanlens.cache.namespace'] === 'l2');
      expect(outerGet?.name).toBe('keyv.get');
      expect(innerGet?.name).toBe('keyv.get');
      expect(innerGet?.parentSpanContext?.spanId).toBe(outerGet?.spanContext().spanId);
    });

    it('traces concurrent operations of one instance side by side, each a child of the caller', async () => {
      const keyv = new Keyv();
      const request = await inRequest(() => Promise.all([keyv.get('c:1'), keyv.get('c:2'), keyv.set('c:3', 3)]));
      const spans = harness.keyvSpans();
      expect(spans).toHaveLength(3);
      for (const span of spans) expect(span.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    });
  });

  describe('configuration', () => {
    it('with requireParentSpan, traces only operations that run inside a span', async () => {
      harness.instrumentation.setConfig({ requireParentSpan: true });
      const keyv = new Keyv();

      await keyv.get('k:1');
      expect(harness.keyvSpans()).toEqual([]);

      await inRequest(() => keyv.get('k:1'));
      expect(harness.keyvSpans().map((span) => span.name)).toEqual(['keyv.get']);
    });

    it('without requireParentSpan, traces an operation with no parent as a root', async () => {
      await new Keyv().get('k:1');
      expect(only(harness.spans(), 'keyv.get').parentSpanContext).toBeUndefined();
    });

    it('calls the responseHook with the span and the outcome, never the key or value', async () => {
      const calls: Array<[string, unknown]> = [];
      harness.instrumentation.setConfig({
        responseHook: (span, info) => {
          span.setAttribute('app.tier', 'l1');
          calls.push([(span as unknown as ReadableSpan).name, info]);
        },
      });
      const keyv = new Keyv();
      await keyv.set('h:1', 1);
      await keyv.get('h:1');
      await keyv.getMany(['h:1', 'h:2']);

      expect(calls).toEqual([
        ['keyv.set', { operation: 'set' }],
        ['keyv.get', { operation: 'get', hit: true }],
        ['keyv.getMany', { operation: 'getMany', hits: 1, misses: 1 }],
      ]);
      expect(harness.keyvSpans().every((span) => span.attributes['app.tier'] === 'l1')).toBe(true);
    });

    it('keeps the result and ends the span when the responseHook throws', async () => {
      harness.instrumentation.setConfig({
        responseHook: () => {
          throw new Error('hook bug');
        },
      });
      const keyv = new Keyv();
      await keyv.set('h:1', 'v');
      expect(await keyv.get('h:1')).toBe('v');
      expect(harness.keyvSpans()).toHaveLength(2);
    });
  });

  describe('patching', () => {
    const METHODS = ['get', 'getMany', 'getRaw', 'getManyRaw', 'set', 'setMany', 'delete', 'deleteMany', 'has', 'clear', 'emit'];

    it('wraps each method once however often the module is patched, and unpatching restores the originals', async () => {
      let fresh: KeyvModule | undefined;
      jest.isolateModules(() => {
        fresh = require(alias) as KeyvModule;
      });
      const prototype = fresh!.Keyv.prototype;
      const before = METHODS.map((name) => ({ name, own: Object.hasOwn(prototype, name), value: prototype[name] }));

      harness.patch(fresh, version);
      harness.patch(fresh, version);
      for (const { name, value } of before) {
        expect(isWrapped(prototype[name])).toBe(true);
        expect((prototype[name] as { __original: unknown }).__original).toBe(value);
      }

      harness.unpatch(fresh, version);
      for (const { name, own, value } of before) {
        expect(prototype[name]).toBe(value);
        expect(Object.hasOwn(prototype, name)).toBe(own);
      }
      await new fresh!.Keyv().get('k');
      expect(harness.keyvSpans()).toEqual([]);
    });

    it(`${major === 6 ? 'inherits emit from Hookified, so unpatching removes the wrapper it added' : 'owns emit, so unpatching puts the original back'}`, () => {
      const prototype = Keyv.prototype;
      expect(Object.hasOwn(prototype, 'emit')).toBe(true);
      let fresh: KeyvModule | undefined;
      jest.isolateModules(() => {
        fresh = require(alias) as KeyvModule;
      });
      expect(Object.hasOwn(fresh!.Keyv.prototype, 'emit')).toBe(major === 5);
    });
  });
});

/** Puts text keyv cannot parse where it will read `key`. */
async function writeUnparseable(keyv: KeyvLike, key: string, text: string): Promise<void> {
  const store = keyv.store as { set(key: string, value: unknown): unknown };
  // keyv 5 keeps prefixed keys in a plain Map; keyv 6's memory adapter prefixes them itself.
  if (store instanceof Map) store.set(`${keyv.namespace}:${key}`, text);
  else await store.set(key, text);
}
