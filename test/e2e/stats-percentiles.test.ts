import { TestSchema } from './helpers/postgres';
import { type TracedApp, startTracedApp } from './helpers/traced-app';

const schema = new TestSchema();
let traced: TracedApp;

beforeAll(async () => {
  await schema.create();
  traced = await startTracedApp(schema, { app: 'express-app.cjs' });
});
afterAll(async () => {
  await traced?.stop();
  await schema.drop();
});

describe('/stats percentiles', () => {
  it('come from the distribution: 18 quick requests and 2 slow ones give a quick p50 and a slow p95', async () => {
    const pauses = [...Array(18).fill(5), 300, 300];
    for (const ms of pauses) expect((await fetch(traced.app.url(`/pause/${ms}`))).status).toBe(200);
    const stats = (await (await fetch(`http://127.0.0.1:${traced.metricsPort}/stats`)).json()) as {
      endpoints: Array<{ route: string; requests: number; minMs: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number }>;
    };
    const pause = stats.endpoints.find((endpoint) => endpoint.route === '/pause/:ms')!;
    expect(pause.requests).toBe(20);
    // libuv's timers count from the loop's cached clock: a 5 ms pause can measure 4.9 ms on a span.
    expect(pause.minMs).toBeGreaterThanOrEqual(4);
    expect(pause.p50Ms).toBeGreaterThanOrEqual(4);
    expect(pause.p50Ms).toBeLessThan(150);
    expect(pause.p95Ms).toBeGreaterThanOrEqual(300);
    expect(pause.p99Ms).toBeGreaterThanOrEqual(pause.p95Ms);
    expect(pause.maxMs).toBeGreaterThanOrEqual(pause.p99Ms);
  });
});
