import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  KEYV_VERSIONS,
  type KeyvClass,
  type KeyvLike,
  type KeyvModule,
  createHarness,
  leaks,
  outcomeOf,
  packageVersion,
  recordErrorEvents,
  sleep,
  uniqueNamespace,
  useContextManager,
} from './harness';

// The shared Redis other tests use too: only namespaced keys of this file are written and cleared there.
const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';
const TEST_NAMESPACE_PREFIX = 'spanlens-keyv-test';

interface KeyvRedisModule {
  default: new (connect?: unknown, options?: Record<string, unknown>) => object;
  createKeyv(connect: string, options?: Record<string, unknown>): KeyvLike;
}

useContextManager();
const harness = createHarness();
const keyvRedis = require('@keyv/redis') as KeyvRedisModule;
const KeyvRedis = keyvRedis.default;
// @keyv/redis builds its instances from the `keyv` it depends on, a third copy beside the two aliases.
const bundledKeyv = require('keyv') as KeyvModule;
const bundledKeyvVersion = packageVersion('keyv');

beforeAll(() => harness.patch(bundledKeyv, bundledKeyvVersion));
afterAll(() => harness.unpatch(bundledKeyv, bundledKeyvVersion));
beforeEach(() => harness.exporter.reset());

/** Clears what a test wrote on the shared Redis; refuses anything but a test namespace. */
async function clearTestNamespace(keyv: KeyvLike): Promise<void> {
  if (!keyv.namespace?.startsWith(TEST_NAMESPACE_PREFIX)) throw new Error(`refusing to clear namespace ${keyv.namespace}`);
  await keyv.clear();
}

describe.each(KEYV_VERSIONS)('$label with @keyv/redis on a running Redis', ({ alias, version }) => {
  const keyvModule = require(alias) as KeyvModule;
  const { Keyv } = keyvModule;
  let UnpatchedKeyv: KeyvClass;
  let namespace: string;
  let keyv: KeyvLike;

  beforeAll(() => {
    jest.isolateModules(() => {
      UnpatchedKeyv = (require(alias) as KeyvModule).Keyv;
    });
    harness.patch(keyvModule, version);
  });
  afterAll(() => harness.unpatch(keyvModule, version));
  beforeEach(() => {
    namespace = uniqueNamespace(TEST_NAMESPACE_PREFIX);
    keyv = new Keyv(new KeyvRedis(SHARED_REDIS_URL), { namespace });
  });
  afterEach(async () => {
    await clearTestNamespace(keyv);
    await keyv.disconnect();
  });

  it('traces each operation with store redis, the namespace, exact hits and key patterns', async () => {
    await keyv.set('user:42:settings', null);
    await keyv.set('user:43:settings', 0);
    harness.exporter.reset();

    expect(await keyv.get('user:42:settings')).toBeNull();
    expect(await keyv.get('user:44:settings')).toBeUndefined();
    expect(await keyv.getMany(['user:43:settings', 'user:44:settings', 'user:42:settings'])).toEqual([0, undefined, null]);
    expect(await keyv.has('user:43:settings')).toBe(true);
    expect(await keyv.has('user:44:settings')).toBe(false);
    await keyv.setMany([{ key: 'user:45:settings', value: 'x' }]);
    await keyv.delete('user:45:settings');
    await keyv.deleteMany(['user:42:settings', 'user:43:settings']);
    await clearTestNamespace(keyv);

    const spans = harness.keyvSpans();
    expect(spans.map((span) => [span.name, span.attributes['spanlens.cache.hit'] ?? span.attributes['spanlens.cache.hits']])).toEqual([
      ['keyv.get', true],
      ['keyv.get', false],
      ['keyv.getMany', 2],
      ['keyv.has', true],
      ['keyv.has', false],
      ['keyv.setMany', undefined],
      ['keyv.delete', undefined],
      ['keyv.deleteMany', undefined],
      ['keyv.clear', undefined],
    ]);
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes['spanlens.cache.store']).toBe('redis');
      expect(span.attributes['spanlens.cache.namespace']).toBe(namespace);
      if (span.name !== 'keyv.clear') expect(span.attributes['spanlens.cache.key_pattern']).toBe('user:{id}:settings');
    }
    expect(spans[2]!.attributes['spanlens.cache.misses']).toBe(1);
  });

  it('never puts a raw key or value on a span', async () => {
    const key = 'session:7c9e6679-7425-40de-944b-e07fc1f90ae7';
    await keyv.set(key, { token: 'sekret-redis-value' });
    await keyv.get(key);
    await keyv.getMany([key]);
    await keyv.has(key);
    await keyv.delete(key);
    expect(harness.keyvSpans()).toHaveLength(5);
    expect(leaks(harness.keyvSpans(), ['7c9e6679', key, 'sekret-redis-value'])).toEqual([]);
  });

  it('returns what keyv returns without the instrumentation', async () => {
    const unpatched = new UnpatchedKeyv(new KeyvRedis(SHARED_REDIS_URL), { namespace });
    try {
      const run = async (instance: KeyvLike) => [
        await outcomeOf(() => instance.set('cmp:1', { a: [1, null] })),
        await outcomeOf(() => instance.get('cmp:1')),
        await outcomeOf(() => instance.get('cmp:2')),
        await outcomeOf(() => instance.getMany(['cmp:1', 'cmp:2'])),
        await outcomeOf(() => instance.has('cmp:1')),
        await outcomeOf(() => instance.delete('cmp:1')),
        await outcomeOf(() => instance.delete('cmp:1')),
      ];
      expect(await run(keyv)).toEqual(await run(unpatched));
    } finally {
      await unpatched.disconnect();
    }
  });
});

describe(`keyv ${bundledKeyvVersion} made by @keyv/redis createKeyv`, () => {
  it('is traced like any other instance, with store redis and its namespace', async () => {
    const namespace = uniqueNamespace(TEST_NAMESPACE_PREFIX);
    const keyv = keyvRedis.createKeyv(SHARED_REDIS_URL, { namespace });
    try {
      await keyv.set('invoice:2024-0042', { total: 12 });
      expect(await keyv.get('invoice:2024-0042')).toEqual({ total: 12 });
      expect(await keyv.get('invoice:2024-0043')).toBeUndefined();
    } finally {
      await clearTestNamespace(keyv);
      await keyv.disconnect();
    }

    expect(harness.keyvSpans().map((span) => [span.name, span.attributes])).toEqual([
      ['keyv.set', expect.objectContaining({ 'spanlens.cache.store': 'redis', 'spanlens.cache.namespace': namespace })],
      ['keyv.get', expect.objectContaining({ 'spanlens.cache.hit': true, 'spanlens.cache.key_pattern': 'invoice:{id}-{id}' })],
      ['keyv.get', expect.objectContaining({ 'spanlens.cache.hit': false })],
      ['keyv.clear', expect.objectContaining({ 'spanlens.cache.store': 'redis' })],
    ]);
  });
});

/** A throwaway redis-server on a free port, never the shared one. */
interface ThrowawayRedis {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  const server: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  for (let attempt = 0; !(await acceptsConnections(port)); attempt++) {
    if (attempt > 100) throw new Error(`redis-server did not start on port ${port}`);
    await sleep(20);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      server.kill('SIGKILL');
      await exited;
    },
  };
}

/** Fails fast once the server is gone instead of queueing commands until it is back. */
function failFast(url: string): Record<string, unknown> {
  return { url, disableOfflineQueue: true, socket: { reconnectStrategy: false } };
}

describe.each(KEYV_VERSIONS)('$label with @keyv/redis when Redis stops mid-run', ({ alias, version }) => {
  const keyvModule = require(alias) as KeyvModule;
  let UnpatchedKeyv: KeyvClass;

  beforeAll(() => {
    jest.isolateModules(() => {
      UnpatchedKeyv = (require(alias) as KeyvModule).Keyv;
    });
    harness.patch(keyvModule, version);
  });
  afterAll(() => harness.unpatch(keyvModule, version));

  it('records each failure on its span and leaves what the caller sees exactly as without the instrumentation', async () => {
    const redis = await startThrowawayRedis();
    const namespace = uniqueNamespace('down');
    const patched = new keyvModule.Keyv(new KeyvRedis(failFast(redis.url)), { namespace });
    const unpatched = new UnpatchedKeyv(new KeyvRedis(failFast(redis.url)), { namespace });
    const patchedEvents = recordErrorEvents(patched);
    const unpatchedEvents = recordErrorEvents(unpatched);
    try {
      for (const instance of [patched, unpatched]) {
        await instance.set('user:1', 'a');
        expect(await instance.get('user:1')).toBe('a');
      }

      await redis.stop();
      // Both clients notice the closed socket and report it once, outside any operation.
      for (let waited = 0; (patchedEvents.length === 0 || unpatchedEvents.length === 0) && waited < 2000; waited += 20) await sleep(20);
      expect(patchedEvents).toEqual(unpatchedEvents);
      patchedEvents.length = 0;
      unpatchedEvents.length = 0;
      harness.exporter.reset();

      const operations: Array<[string, (keyv: KeyvLike) => Promise<unknown>]> = [
        ['get', (keyv) => keyv.get('user:1')],
        ['getMany', (keyv) => keyv.getMany(['user:1', 'user:2'])],
        ['has', (keyv) => keyv.has('user:1')],
        ['set', (keyv) => keyv.set('user:1', 'b')],
        ['setMany', (keyv) => keyv.setMany([{ key: 'user:3', value: 'c' }])],
        ['delete', (keyv) => keyv.delete('user:1')],
        ['deleteMany', (keyv) => keyv.deleteMany(['user:1', 'user:3'])],
        ['clear', (keyv) => keyv.clear()],
      ];
      for (const [name, operation] of operations) {
        const withInstrumentation = { outcome: await outcomeOf(() => operation(patched)), errorEvents: patchedEvents.splice(0) };
        const without = { outcome: await outcomeOf(() => operation(unpatched)), errorEvents: unpatchedEvents.splice(0) };
        expect({ name, ...withInstrumentation }).toEqual({ name, ...without });
        expect(withInstrumentation.errorEvents.length + (withInstrumentation.outcome.rejected === undefined ? 0 : 1)).toBeGreaterThan(0);
      }

      const spans = harness.keyvSpans();
      expect(spans.map((span) => span.name)).toEqual(operations.map(([name]) => `keyv.${name}`));
      for (const span of spans) {
        expect(span.status.code).toBe(SpanStatusCode.ERROR);
        expect(span.status.message).toMatch(/ECONNREFUSED|not connected/);
        expect(span.events.filter((event) => event.name === 'exception').length).toBeGreaterThan(0);
        expect(span.attributes['spanlens.cache.store']).toBe('redis');
      }
      expect(spans[0]!.attributes['spanlens.cache.hit']).toBe(false);
    } finally {
      await redis.stop();
      for (const instance of [patched, unpatched]) await instance.disconnect().catch(() => undefined);
    }
  });
});
