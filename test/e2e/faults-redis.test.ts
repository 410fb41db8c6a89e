import { Answers } from './helpers/answers';
import { AppProcess, freePort } from './helpers/app-process';
import { FAULT_APP, type ProcessReport, processReport } from './helpers/fault-app';
import { runLoad } from './helpers/load-loop';
import { TestSchema } from './helpers/postgres';
import { ProcessMemory } from './helpers/process-memory';
import { RedisServer } from './helpers/redis-server';

/**
 * A sanity bound on peak RSS: the preloaded app settles near 300 MiB under this load on Node 22 and near
 * 750 MiB on Node 24, whose V8 collects later on a machine with this much memory. What spanlens retains
 * is bounded by faults-otlp (heap after a full collection) and faults-unended-spans.
 */
const RSS_CEILING_MIB = 1_024;
const LOAD_MS = 12_000;
const REDIS_DOWN_AT_MS = 3_000;
const REDIS_BACK_AT_MS = 7_000;

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());
jest.setTimeout(90_000);

interface Run {
  answers: Answers;
  sent: number;
  /** What the app reported when Redis was back, and after the load. */
  whenRedisCameBack: ProcessReport;
  atTheEnd: ProcessReport;
  statistics: { requests: number; cache: { hits: number; misses: number } } | undefined;
  peakRssMiB: number;
}

/** The cache-aside app under a request loop while its Redis is killed, then started again on the same port. */
async function loadThroughRedisOutage(preload: 'import' | 'none'): Promise<Run> {
  const redis = new RedisServer();
  await redis.start();
  const metricsPort = await freePort();
  const app = await AppProcess.start({
    app: FAULT_APP,
    preload,
    env: { ...schema.env(), REDIS_URL: redis.url, OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort) },
  });
  const memory = new ProcessMemory(app.child.pid!);
  const answers = new Answers();
  try {
    const load = runLoad(app.url(''), answers, { pathOf: (i) => `/settings/${1 + (i % 20)}`, concurrency: 4, durationMs: LOAD_MS });
    await new Promise((resolve) => setTimeout(resolve, REDIS_DOWN_AT_MS));
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, REDIS_BACK_AT_MS - REDIS_DOWN_AT_MS));
    await redis.start();
    const whenRedisCameBack = await processReport(app);
    const sent = await load;
    const statistics =
      preload === 'none' ? undefined : ((await (await fetch(`http://127.0.0.1:${metricsPort}/stats`)).json()) as Run['statistics']);
    const atTheEnd = await processReport(app);
    return { answers, sent, whenRedisCameBack, atTheEnd, statistics, peakRssMiB: memory.stop() };
  } finally {
    await app.stop();
    await redis.kill();
  }
}

describe('when Redis is killed and started again under the keyv cache', () => {
  it('keeps answering exactly as without spanlens, and counts every lookup as the app saw it', async () => {
    const plain = await loadThroughRedisOutage('none');
    const traced = await loadThroughRedisOutage('import');

    for (const run of [plain, traced]) {
      expect(run.answers.statuses()).toEqual({ 200: run.sent });
      for (const report of [run.whenRedisCameBack, run.atTheEnd]) {
        expect(report.unhandledRejections).toEqual([]);
        expect(report.uncaughtExceptions).toEqual([]);
        expect(report.handlerErrors).toEqual([]);
      }
      // The outage happened (keyv reported store errors), and the cache answered again once Redis was back.
      expect(run.whenRedisCameBack.cacheErrors).toBeGreaterThan(0);
      expect(run.atTheEnd.cacheHits).toBeGreaterThan(run.whenRedisCameBack.cacheHits);
    }
    expect(traced.answers.distinct()).toEqual(plain.answers.distinct());
    expect(traced.peakRssMiB).toBeLessThan(RSS_CEILING_MIB);
    // A lookup that failed while Redis was away was a miss for the app, and is one in the statistics.
    expect(traced.statistics!.cache).toMatchObject({ hits: traced.atTheEnd.cacheHits, misses: traced.atTheEnd.cacheMisses });
    // Every request was counted: the loop's, and the look at GET /__process when Redis came back.
    expect(traced.statistics!.requests).toBe(traced.sent + 1);
  });
});
