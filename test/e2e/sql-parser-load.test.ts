import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppProcess, FIXTURES, REPO_ROOT, freePort } from './helpers/app-process';
import { TestSchema } from './helpers/postgres';

/** The modules a preloaded `node -e script` loads, by URL. */
function modulesLoaded(preload: 'require' | 'import', script: string): string[] {
  const directory = mkdtempSync(path.join(tmpdir(), 'spanlens-loads-'));
  const file = path.join(directory, 'loads.json');
  try {
    const register = path.join(REPO_ROOT, preload === 'import' ? 'register.js' : 'register.cjs');
    const result = spawnSync(process.execPath, ['--require', path.join(FIXTURES, 'record-module-loads.cjs'), `--${preload}`, register, '-e', script], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', MODULE_LOADS_FILE: file, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    return JSON.parse(readFileSync(file, 'utf8')) as string[];
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const PARSER = /\/libpg-query\//;

describe('the SQL parser (libpg-query)', () => {
  it.each(['require', 'import'] as const)('is not loaded by a process that never loads pg (--%s)', (preload) => {
    expect(modulesLoaded(preload, 'setTimeout(() => {}, 1500)').filter((url) => PARSER.test(url))).toEqual([]);
    // The measure can fail: the same process loading pg loads the parser.
    expect(modulesLoaded(preload, "require('pg'); setTimeout(() => {}, 1500)").filter((url) => PARSER.test(url)).length).toBeGreaterThan(0);
  });

  describe('in a fresh process whose first request runs while it loads', () => {
    const schema = new TestSchema();
    let app: AppProcess;
    let metricsPort: number;

    beforeAll(async () => {
      await schema.create();
      metricsPort = await freePort();
      app = await AppProcess.start({
        app: 'early-queries-app.cjs',
        preload: 'require',
        env: {
          ...schema.env(),
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
          OTEL_LOG_LEVEL: 'debug',
          // Every statement is listed under its fingerprint in /stats.
          SPANLENS_SLOW_QUERY_MS: '0',
        },
      });
    });
    afterAll(async () => {
      await app?.stop();
      await schema.drop();
    });

    it("counts its statements under the same fingerprints as later requests' statements", async () => {
      // The first request loads pg, which starts loading the parser, and starts its statements at once.
      expect((await fetch(app.url('/meetings/1'))).status).toBe(200);
      // The measure can fail: they ran before the parser had loaded.
      const loaded = await waitFor(() => /SQL parser loaded in \d+ ms; (\d+) statement shapes seen before/.exec(app.stdout));
      expect(Number(loaded[1])).toBe(2);
      for (let i = 2; i <= 20; i++) expect((await fetch(app.url(`/meetings/${i}`))).status).toBe(200);

      const stats = (await (await fetch(`http://127.0.0.1:${metricsPort}/stats`)).json()) as {
        requests: number;
        slowQueries: Array<{ fingerprint: string; query: string; count: number }>;
      };
      expect(stats.requests).toBe(20);
      // Two statements, 20 runs each, each under one fingerprint.
      expect(stats.slowQueries.map(({ query, count }) => ({ query, count })).sort((a, b) => a.query.localeCompare(b.query))).toEqual([
        { query: 'SELECT id, title, owner_id FROM meetings WHERE id = $1', count: 20 },
        { query: 'SELECT user_id FROM attendees WHERE meeting_id = $1 ORDER BY user_id', count: 20 },
      ]);
    });
  });
});

async function waitFor<T>(probe: () => T | null | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== null && found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
